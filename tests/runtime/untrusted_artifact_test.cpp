// The runtime against damaged and doctored artifacts (LeNet-5, one block per op). Every mutation here once
// crashed inside generated code or, worse, ran and printed a wrong answer. Each is tried twice: as damage
// (the file changed, its checksum not), which checksums.xxh128 catches, and re-sealed (the checksums
// rewritten to match), which the manifest's cross-checks against itself and the library must catch.
#include <gtest/gtest.h>

#include <functional>

#include <nlohmann/json.hpp>

#include "../codegen/codegen_test_support.h"
#include "../frontend/zoo_test_support.h"
#include "codegen/package.h"
#include "ir/files.h"
#include "kiln/kiln_runtime.h"
#include "validation/compile_model.h"

namespace kiln::testing {
namespace {

namespace fs = std::filesystem;
using Edit = std::function<void(nlohmann::json&)>;

class UntrustedArtifact : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    scratch_ = new ScratchDir("untrusted");
    validation::ModelCompileOptions options;
    options.strategy = "none";
    options.codegen.model_name = "lenet";
    validation::compileModel(zooModel("lenet5_traced"), options, original());
  }
  static void TearDownTestSuite() { delete scratch_; }
  static fs::path original() { return scratch_->path() / "original"; }

  static fs::path copy(const std::string& name) {
    const fs::path dir = scratch_->path() / name;
    fs::remove_all(dir);
    fs::copy(original(), dir);
    return dir;
  }
  static void editManifest(const fs::path& dir, const Edit& edit) {
    nlohmann::json manifest = nlohmann::json::parse(readFile(dir / "manifest.json"));
    edit(manifest);
    writeFile(dir / "manifest.json", manifest.dump(2));
  }
  static std::string openError(const fs::path& dir) {
    kiln_model* model = nullptr;
    if (kiln_model_open(dir.c_str(), &model) == KILN_OK) {
      kiln_model_close(model);
      return "opened";
    }
    return kiln_last_error();
  }
  // The edit as damage, then re-sealed: the first must be refused by its checksum, the second for `reason`.
  static void expectRefused(const std::string& name, const Edit& edit, const std::string& reason) {
    const fs::path dir = copy(name);
    editManifest(dir, edit);
    const std::string damaged = openError(dir);
    EXPECT_NE(damaged.find("manifest.json does not match its checksum"), std::string::npos) << damaged;
    codegen::writeChecksums(dir);
    const std::string resealed = openError(dir);
    EXPECT_NE(resealed.find(reason), std::string::npos) << name << ": " << resealed;
  }
  static nlohmann::json& valueWithRole(nlohmann::json& manifest, const std::string& role) {
    for (nlohmann::json& value : manifest["values"])
      if (value["role"] == role) return value;
    throw std::runtime_error("no " + role);
  }

  static ScratchDir* scratch_;
};

ScratchDir* UntrustedArtifact::scratch_ = nullptr;

TEST_F(UntrustedArtifact, TheOriginalOpens) {
  EXPECT_EQ(openError(original()), "opened");
}

TEST_F(UntrustedArtifact, SwappedFunctionsAreRefused) {
  expectRefused(
      "swapped", [](nlohmann::json& m) { std::swap(m["blocks"][0]["function"], m["blocks"][1]["function"]); },
      "does not take what block 0 passes it");
}

TEST_F(UntrustedArtifact, AFunctionTheLibraryLacksIsNamed) {
  expectRefused(
      "renamed", [](nlohmann::json& m) { m["blocks"][1]["function"] = "kiln_lenet_b99"; },
      "has no entry point kiln_lenet_b99 for block 1");
}

TEST_F(UntrustedArtifact, AWeightPastTheWeightsFileIsRefused) {
  expectRefused(
      "far-weight", [](nlohmann::json& m) { valueWithRole(m, "weight")["offset"] = m["weights"]["bytes"]; },
      "outside the");
}

TEST_F(UntrustedArtifact, EmptiedExtentsAreRefused) {
  expectRefused(
      "no-extents",
      [](nlohmann::json& m) { valueWithRole(m, "weight")["extents"] = nlohmann::json::array(); },
      "bytes, but its extents scalar");
}

TEST_F(UntrustedArtifact, ADeletedArgumentIsRefused) {
  expectRefused(
      "no-argument", [](nlohmann::json& m) { m["blocks"][0]["arguments"].erase(1); }, "arguments, not");
}

TEST_F(UntrustedArtifact, AChangedRoleIsRefused) {
  expectRefused(
      "role", [](nlohmann::json& m) { valueWithRole(m, "activation")["role"] = "output"; },
      "has the role of outputs but is not listed in them");
  expectRefused(
      "output-as-input", [](nlohmann::json& m) { valueWithRole(m, "output")["role"] = "input"; },
      "has the role of inputs but is not listed in them");
}

TEST_F(UntrustedArtifact, ADeletedBlockIsRefused) {
  expectRefused(
      "deleted-block",
      [](nlohmann::json& m) {
        m["blocks"].erase(3);
        for (size_t b = 0; b < m["blocks"].size(); ++b) m["blocks"][b]["id"] = b;
      },
      "is read by block 3 before any block writes it");
  expectRefused(
      "deleted-last-block", [](nlohmann::json& m) { m["blocks"].erase(m["blocks"].size() - 1); },
      "is a model output that no block writes");
}

TEST_F(UntrustedArtifact, ReorderedBlocksAreRefused) {
  expectRefused(
      "reordered",
      [](nlohmann::json& m) {
        std::swap(m["blocks"][2], m["blocks"][3]);
        for (size_t b = 0; b < m["blocks"].size(); ++b) m["blocks"][b]["id"] = b;
      },
      "is read by block 2 before any block writes it");
}

TEST_F(UntrustedArtifact, ANegativeSizeIsRefused) {
  expectRefused(
      "negative", [](nlohmann::json& m) { valueWithRole(m, "activation")["bytes"] = -4096; },
      "has -4096 bytes, but its extents");
}

TEST_F(UntrustedArtifact, OutOfRangeExtentsAreRefused) {
  expectRefused(
      "huge",
      [](nlohmann::json& m) {
        nlohmann::json& value = valueWithRole(m, "activation");
        value["extents"][0] = int64_t{1} << 40;
      },
      "has extent 1099511627776");
}

TEST_F(UntrustedArtifact, ALibraryOutsideTheArtifactIsRefused) {
  expectRefused(
      "elsewhere", [](nlohmann::json& m) { m["library"] = "../original/liblenet.so"; },
      "library '../original/liblenet.so' is not a file name in the artifact's directory");
}

TEST_F(UntrustedArtifact, ATruncatedLibraryIsRefused) {
  const fs::path dir = copy("short-library");
  fs::resize_file(dir / "liblenet.so", fs::file_size(dir / "liblenet.so") / 2);
  std::string error = openError(dir);
  EXPECT_NE(error.find("liblenet.so does not match its checksum"), std::string::npos) << error;
  codegen::writeChecksums(dir);
  error = openError(dir);
  EXPECT_NE(error.find("shorter than its segments"), std::string::npos) << error;
}

TEST_F(UntrustedArtifact, AMissingFieldOrTextThatIsNotJsonIsNamed) {
  expectRefused(
      "no-blocks", [](nlohmann::json& m) { m.erase("blocks"); },
      "a field is missing or of the wrong type: key 'blocks' not found");
  // Found by fuzz/manifest_fuzzer: nlohmann-json's conversion of 1e30 to an integer is undefined.
  expectRefused(
      "float-bytes", [](nlohmann::json& m) { valueWithRole(m, "weight")["bytes"] = 1.1e30; },
      "field 'bytes' must be an integer in range, not 1.1e+30");
  const fs::path dir = copy("not-json");
  writeFile(dir / "manifest.json", "{\"format\": ");
  codegen::writeChecksums(dir);
  const std::string error = openError(dir);
  EXPECT_NE(error.find("manifest.json: not JSON: parse error at line 1"), std::string::npos) << error;
}

TEST_F(UntrustedArtifact, MissingOrMalformedChecksumsAreRefused) {
  const fs::path dir = copy("no-checksums");
  fs::remove(dir / "checksums.xxh128");
  std::string error = openError(dir);
  EXPECT_NE(error.find("checksums.xxh128 is missing"), std::string::npos) << error;
  writeFile(dir / "checksums.xxh128", "not a digest  manifest.json\n");
  error = openError(dir);
  EXPECT_NE(error.find("each line must be a 32-digit XXH128 digest"), std::string::npos) << error;
}

}  // namespace
}  // namespace kiln::testing
