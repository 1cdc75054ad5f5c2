// libFuzzer target: runtime::readNpy on arbitrary bytes. It must either refuse them with a runtime::Error or
// return an array whose bytes match its shape and dtype; anything else (a crash, a sanitizer report, another
// exception, a mismatched array) is a finding.
#include <cstdint>
#include <cstdlib>
#include <fstream>

#include "fuzz/fuzz_support.h"
#include "runtime/error.h"
#include "runtime/npy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const kiln::fuzz::ScratchFile file("npy");
  file.write(data, size);
  try {
    const kiln::runtime::NpyArray array = kiln::runtime::readNpy(file.path());
    int64_t elements = 1;
    for (int64_t d : array.shape) elements *= d;
    if (array.bytes.size() != static_cast<size_t>(elements * kiln::runtime::elementBytes(array.dtype)))
      std::abort();
  } catch (const kiln::runtime::Error&) {
  }
  return 0;
}
