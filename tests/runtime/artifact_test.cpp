// The runtime against real artifacts (LeNet-5 compiled once per suite): the C API's errors for bad inputs,
// corrupt or missing files, a library of another plan and another machine's artifact; arena reuse; and the
// validator naming the block whose weights were tampered with, in this process and under qemu-aarch64.
// (Byte-identical recompiles are a CLI test: Halide uniquifies Func names per process, so the guarantee is
// per `kiln compile` run.)
#include <gtest/gtest.h>

#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "../codegen/codegen_test_support.h"
#include "../frontend/zoo_test_support.h"
#include "codegen/package.h"
#include "ir/files.h"
#include "kiln/kiln_runtime.h"
#include "runtime/artifact_format.h"
#include "runtime/model.h"
#include "validation/compile_model.h"
#include "validation/validate.h"

namespace kiln::testing {
namespace {

namespace fs = std::filesystem;

class Artifacts : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    scratch_ = new ScratchDir("artifacts");
    compile("dnnfusion", fused());
    compile("none", unfused());
    compile("none", unfusedArm64(), "arm64");
  }
  static void TearDownTestSuite() { delete scratch_; }

  static void compile(const std::string& strategy, const fs::path& dir, const std::string& target = "host") {
    validation::ModelCompileOptions options;
    options.strategy = strategy;
    options.codegen.model_name = "lenet";
    options.codegen.target = target;
    validation::compileModel(zooModel("lenet5_traced"), options, dir);
  }
  static fs::path fused() { return scratch_->path() / "fused"; }
  static fs::path unfused() { return scratch_->path() / "unfused"; }
  static fs::path unfusedArm64() { return scratch_->path() / "unfused-arm64"; }
  // A copy of an artifact that a test may damage.
  static fs::path copyOf(const fs::path& artifact, const std::string& name) {
    const fs::path copy = scratch_->path() / name;
    fs::remove_all(copy);
    fs::copy(artifact, copy);
    return copy;
  }
  static std::string openError(const fs::path& artifact) {
    kiln_model* model = nullptr;
    EXPECT_EQ(kiln_model_open(artifact.c_str(), &model), KILN_ERROR);
    return kiln_last_error();
  }

  static ScratchDir* scratch_;
};

ScratchDir* Artifacts::scratch_ = nullptr;

TEST_F(Artifacts, RunsThroughTheCApiAndRejectsBadInputs) {
  kiln_model* model = nullptr;
  ASSERT_EQ(kiln_model_open(fused().c_str(), &model), KILN_OK) << kiln_last_error();
  kiln_tensor_info in{}, out{};
  ASSERT_EQ(kiln_model_input_info(model, 0, &in), KILN_OK);
  ASSERT_EQ(kiln_model_output_info(model, 0, &out), KILN_OK);
  std::vector<float> image(in.elements, 0.5f), scores(out.elements);
  kiln_tensor input{KILN_FLOAT32, in.rank, in.dims, image.data()};
  kiln_tensor output{KILN_FLOAT32, out.rank, out.dims, scores.data()};
  EXPECT_EQ(kiln_model_run(model, &input, 1, &output, 1), KILN_OK) << kiln_last_error();

  EXPECT_EQ(kiln_model_run(model, &input, 0, &output, 1), KILN_ERROR);
  EXPECT_NE(std::string(kiln_last_error()).find("takes 1 input(s), got 0"), std::string::npos)
      << kiln_last_error();
  const int64_t wrong_dims[] = {1, 1, 28, 28};
  kiln_tensor wrong_shape{KILN_FLOAT32, 4, wrong_dims, image.data()};
  EXPECT_EQ(kiln_model_run(model, &wrong_shape, 1, &output, 1), KILN_ERROR);
  EXPECT_NE(std::string(kiln_last_error()).find("must have shape 1x1x32x32, got 1x1x28x28"),
            std::string::npos)
      << kiln_last_error();
  kiln_tensor wrong_dtype{KILN_INT64, in.rank, in.dims, image.data()};
  EXPECT_EQ(kiln_model_run(model, &wrong_dtype, 1, &output, 1), KILN_ERROR);
  EXPECT_NE(std::string(kiln_last_error()).find("is int64; the model was compiled for float32"),
            std::string::npos);
  EXPECT_EQ(kiln_model_set_num_threads(model, -1), KILN_ERROR);
  kiln_model_close(model);
}

TEST_F(Artifacts, ArenaSharesMemoryBetweenBlocks) {
  kiln_model* model = nullptr;
  ASSERT_EQ(kiln_model_open(unfused().c_str(), &model), KILN_OK) << kiln_last_error();
  kiln_memory_info memory{};
  ASSERT_EQ(kiln_model_memory(model, &memory), KILN_OK);
  EXPECT_EQ(memory.blocks, 12);
  EXPECT_GT(memory.unshared_bytes, 0);
  EXPECT_LT(memory.arena_bytes, memory.unshared_bytes);
  std::printf("LeNet-5 unfused: arena %lld bytes, unshared %lld bytes\n",
              static_cast<long long>(memory.arena_bytes), static_cast<long long>(memory.unshared_bytes));
  kiln_model_close(model);
}

// Warming writes into each block's outputs before the block runs: into no value the block reads, so every
// block still computes from what its producers wrote.
TEST_F(Artifacts, WarmingEachBlocksOutputsLeavesTheAnswerAlone) {
  runtime::Model model(unfused());
  const runtime::ValueInfo& in = model.manifest().values.at(model.manifest().inputs.at(0));
  const runtime::ValueInfo& out = model.manifest().values.at(model.manifest().outputs.at(0));
  std::vector<float> image(in.bytes / sizeof(float));
  for (size_t i = 0; i < image.size(); ++i) image[i] = static_cast<float>(i % 17) / 17.0f - 0.5f;
  std::vector<float> cold(out.bytes / sizeof(float)), warm(cold.size());
  model.run({{image.data(), in.shape}}, {cold.data()});
  runtime::BlockTimes times;
  times.warm_outputs = true;
  model.run({{image.data(), in.shape}}, {warm.data()}, &times);
  EXPECT_EQ(warm, cold);
  ASSERT_EQ(times.end_ns.size(), model.manifest().blocks.size());
  for (size_t b = 0; b < times.end_ns.size(); ++b) EXPECT_GE(times.end_ns[b], times.start_ns[b]);
}

TEST_F(Artifacts, MissingOrCorruptFilesGiveClearErrors) {
  EXPECT_NE(openError(scratch_->path() / "nothing-here").find("not a directory"), std::string::npos);

  const fs::path no_manifest = copyOf(fused(), "no-manifest");
  fs::remove(no_manifest / "manifest.json");
  EXPECT_NE(openError(no_manifest).find("manifest.json: no such file"), std::string::npos);

  const fs::path flipped = copyOf(fused(), "flipped");
  {
    std::fstream weights(flipped / "lenet.weights", std::ios::in | std::ios::out | std::ios::binary);
    weights.seekp(sizeof(artifact::WeightsHeader) + 100);
    weights.put('\x7f');
  }
  EXPECT_NE(openError(flipped).find("checksum mismatch"), std::string::npos) << openError(flipped);

  const fs::path truncated = copyOf(fused(), "truncated");
  fs::resize_file(truncated / "lenet.weights", fs::file_size(truncated / "lenet.weights") - 64);
  EXPECT_NE(openError(truncated).find("size does not match"), std::string::npos);

  const fs::path no_library = copyOf(fused(), "no-library");
  fs::remove(no_library / "liblenet.so");
  EXPECT_NE(openError(no_library).find("cannot find"), std::string::npos) << openError(no_library);
}

TEST_F(Artifacts, ALibraryOfAnotherPlanIsRefusedByBlock) {
  // The unfused manifest lists 12 blocks; the fused library has only kiln_lenet_b0, the whole model.
  const fs::path mixed = copyOf(unfused(), "mixed");
  fs::copy_file(fused() / "liblenet.so", mixed / "liblenet.so", fs::copy_options::overwrite_existing);
  codegen::writeChecksums(mixed);
  const std::string error = openError(mixed);
  EXPECT_NE(
      error.find("kiln_lenet_b0 does not take what block 0 passes it in manifest.json: 12 arguments, not 4"),
      std::string::npos)
      << error;
}

// Overwrites the first weight that block `block` reads with garbage and re-seals the file and the artifact,
// so that only the numbers are wrong.
void tamperWithBlockWeights(const fs::path& artifact, int block) {
  nlohmann::json manifest = nlohmann::json::parse(readFile(artifact / "manifest.json"));
  uint64_t offset = 0;
  for (int id : manifest["blocks"][block]["arguments"])
    for (const auto& value : manifest["values"])
      if (value["id"] == id && value["role"] == "weight") offset = value["offset"];
  std::string weights = readFile(artifact / "lenet.weights");
  artifact::WeightsHeader header;
  std::memcpy(&header, weights.data(), sizeof(header));
  float* data = reinterpret_cast<float*>(weights.data() + header.data_offset + offset);
  for (int i = 0; i < 16; ++i) data[i] += 3.0f;
  header.checksum = artifact::weightsChecksum(weights.data() + header.data_offset, header.data_bytes);
  std::memcpy(weights.data(), &header, sizeof(header));
  writeFile(artifact / "lenet.weights", weights);
  manifest["weights"]["checksum"] = fmt::format("{:016x}", header.checksum);
  writeFile(artifact / "manifest.json", manifest.dump(2));
  codegen::writeChecksums(artifact);
}

void expectTamperedBlockIsNamed(const fs::path& tampered, const fs::path& clean) {
  tamperWithBlockWeights(tampered, 3);
  validation::ValidateOptions one_seed;
  one_seed.seeds = {1};
  const auto report = validation::validateArtifact(zooModel("lenet5_traced"), tampered, one_seed);
  EXPECT_FALSE(report.pass);
  ASSERT_TRUE(report.fault.has_value());
  EXPECT_EQ(report.fault->block, 3);
  std::printf("%s", validation::formatReport(report, {}).c_str());

  EXPECT_TRUE(validation::validateArtifact(zooModel("lenet5_traced"), clean, one_seed).pass);
}

TEST_F(Artifacts, ValidationNamesTheBlockThatDisagrees) {
  expectTamperedBlockIsNamed(copyOf(unfused(), "tampered"), unfused());
}

TEST_F(Artifacts, ValidationNamesTheBlockThatDisagreesUnderEmulation) {
  expectTamperedBlockIsNamed(copyOf(unfusedArm64(), "tampered-arm64"), unfusedArm64());
}

TEST_F(Artifacts, AnotherMachinesArtifactIsRefusedByName) {
  const std::string error = openError(unfusedArm64());
  EXPECT_NE(error.find("was compiled for arm-64-linux, but this runtime runs on x86-64-linux"),
            std::string::npos)
      << error;
}

}  // namespace
}  // namespace kiln::testing
