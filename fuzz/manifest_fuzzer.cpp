// libFuzzer target: opening an artifact whose manifest.json is arbitrary text. The artifact named by
// KILN_FUZZ_ARTIFACT (a real one, from `kiln compile`) supplies the library and weights. A manifest the
// runtime's parser and cross-checks accept is written into a scratch copy of that artifact with fresh
// checksums, as an attacker who rewrites both would, then opened and run on zeros. Every step may refuse
// with a runtime::Error; a crash, a sanitizer report or another exception is a finding.
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "fuzz/fuzz_support.h"
#include "runtime/artifact_checksums.h"
#include "runtime/artifact_format.h"
#include "runtime/error.h"
#include "runtime/model.h"

namespace {

namespace fs = std::filesystem;

const fs::path& originalArtifact() {
  static const fs::path path = [] {
    const char* dir = std::getenv("KILN_FUZZ_ARTIFACT");
    if (!dir) {
      std::fprintf(stderr, "manifest_fuzzer: set KILN_FUZZ_ARTIFACT to an artifact from `kiln compile`\n");
      std::exit(2);
    }
    return fs::path(dir);
  }();
  return path;
}

// A copy of the original artifact whose manifest and checksums each accepted input replaces.
const fs::path& scratchArtifact() {
  static const kiln::fuzz::ScratchFile scratch("artifact");
  static const bool copied = [] {
    fs::copy(originalArtifact(), scratch.path(), fs::copy_options::recursive);
    return true;
  }();
  (void)copied;
  return scratch.path();
}

void reseal(const fs::path& dir) {
  std::string unreadable;
  kiln::fuzz::writeText(dir / kiln::artifact::kChecksumsFile,
                        kiln::artifact::checksumsText(dir, unreadable).value());
}

void openAndRun(const std::string& text) {
  const fs::path& dir = scratchArtifact();
  kiln::fuzz::writeText(dir / kiln::artifact::kManifestFile, text);
  reseal(dir);
  kiln::runtime::Model model(dir);
  const kiln::runtime::Manifest& manifest = model.manifest();
  std::vector<std::vector<unsigned char>> memory;
  std::vector<kiln::runtime::HostTensor> inputs;
  std::vector<void*> outputs;
  for (int id : manifest.inputs) {
    const kiln::runtime::ValueInfo& value = manifest.values.at(id);
    memory.emplace_back(static_cast<size_t>(value.bytes));
    inputs.push_back({memory.back().data(), value.shape, value.dtype});
  }
  for (int id : manifest.outputs) {
    memory.emplace_back(static_cast<size_t>(manifest.values.at(id).bytes));
    outputs.push_back(memory.back().data());
  }
  model.setNumThreads(1);
  model.run(inputs, outputs);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    kiln::runtime::parseManifest(text, originalArtifact());
  } catch (const kiln::runtime::Error&) {
    return 0;
  }
  try {
    openAndRun(text);
  } catch (const kiln::runtime::Error&) {
  }
  return 0;
}
