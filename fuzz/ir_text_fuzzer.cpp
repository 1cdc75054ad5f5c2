// libFuzzer target: the IR text parser. Text it accepts is a verified graph, and printing that graph must
// give text the parser accepts again and prints the same; text it refuses must be refused with a
// kiln::Error. Anything else is a finding.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "ir/error.h"
#include "ir/parser.h"
#include "ir/printer.h"

namespace {
const kiln::ir::PrintOptions kFull{.elide_constants = false};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string printed;
  try {
    printed = kiln::ir::printGraph(kiln::ir::parseGraph(text), kFull);
  } catch (const kiln::Error&) {
    return 0;
  }
  try {
    if (kiln::ir::printGraph(kiln::ir::parseGraph(printed), kFull) != printed) std::abort();
  } catch (const kiln::Error&) {
    std::abort();  // the printer wrote what the parser refuses
  }
  return 0;
}
