// libFuzzer target: TorchScript import of arbitrary bytes as a .pt file (seeded with the zoo's small models,
// so most inputs are mutated zip archives). Import must give a graph or a kiln::Error; a crash, a sanitizer
// report in kiln's code or an escaping LibTorch exception is a finding.
#include <cstdint>

#include "frontend/torchscript_importer.h"
#include "fuzz/fuzz_support.h"
#include "ir/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const kiln::fuzz::ScratchFile file("pt");
  file.write(data, size);
  try {
    kiln::frontend::importTorchScript(file.path().string());
  } catch (const kiln::Error&) {
  }
  return 0;
}
