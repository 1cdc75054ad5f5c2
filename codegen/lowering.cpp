#include "codegen/lowering.h"

#include <map>

#include "ir/error.h"

namespace kiln::codegen {
namespace {

const std::map<std::string, Lowering>& table() {
  static const std::map<std::string, Lowering> lowerings = [] {
    std::map<std::string, Lowering> all;
    for (const auto& family : {elementwiseLowerings(), convolutionLowerings(), poolingLowerings(),
                               normalizationLowerings(), dataMovementLowerings(), resizeLowerings()})
      for (const auto& [kind, lowering] : family) all.emplace(kind, lowering);
    return all;
  }();
  return lowerings;
}

}  // namespace

const Lowering& loweringFor(const std::string& kind) {
  auto it = table().find(kind);
  if (it == table().end())
    fail("codegen has no Halide lowering for op kind '{}'; run `kiln ops` to see which kinds compile", kind);
  return it->second;
}

bool hasLowering(const std::string& kind) {
  return table().count(kind) != 0;
}

}  // namespace kiln::codegen
