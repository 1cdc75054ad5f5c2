// The zoo on kiln's other targets.
//  - arm64: LeNet-5, ResNet-18, MobileNetV2, EfficientNet-B0, the transformer, the second op-coverage fixture
//    and the recurrent model compile at their full input shape and
//    validate against LibTorch on this machine while running under qemu-aarch64 (the validator's default
//    fp32 tolerance, one seed: emulation is slow).
//  - cuda, without a GPU: every zoo model compiles and links, and the library's PTX holds an entry point for
//    one kernel per stage the GPU schedule placed (manifest "gpu_stages" and "kernels"), for sm_80, with the
//    library loadable without libcuda (CudaRuntime.NoDriverIsAClearErrorAtLoad). Running CUDA artifacts is
//    tests/gpu's (label `gpu`); here, a machine without a CUDA driver must get a clear error at load.
#include <gtest/gtest.h>

#include <regex>
#include <set>

#include <nlohmann/json.hpp>

#include "../frontend/zoo_test_support.h"
#include "../gpu/cuda_device.h"
#include "codegen_test_support.h"
#include "ir/files.h"
#include "runtime/error.h"
#include "runtime/model.h"
#include "validation/compile_model.h"
#include "validation/validate.h"

namespace kiln::testing {
namespace {

class ZooOnArm64 : public ::testing::TestWithParam<std::string> {};

TEST_P(ZooOnArm64, ValidatesUnderEmulation) {
  const std::string name = GetParam();
  ScratchDir dir(name + "-arm64");
  const auto summary = compileModelFor(zooModel(name), "arm64", dir.path());
  EXPECT_EQ(summary.halide_target.rfind("arm-64-linux", 0), 0u) << summary.halide_target;
  validation::ValidateOptions validate;
  validate.seeds = {1};
  validate.target = "arm64";
  const auto report = validation::validateArtifact(zooModel(name), dir.path(), validate);
  std::printf("%s", validation::formatReport(report, validate.tolerance).c_str());
  EXPECT_EQ(report.ran, "under qemu-aarch64");
  EXPECT_TRUE(report.pass);
}

INSTANTIATE_TEST_SUITE_P(Zoo, ZooOnArm64,
                         ::testing::Values("lenet5_traced", "resnet18_traced", "mobilenet_v2_scripted",
                                           "efficientnet_b0_traced", "transformer_scripted",
                                           "more_op_coverage_scripted", "recurrent_traced",
                                           "masks_and_indices_scripted", "token_encoder_traced"),
                         [](const auto& info) { return info.param; });

// The PTX entry points in a library: Halide embeds each block's PTX as text.
std::set<std::string> ptxEntries(const std::string& library) {
  std::set<std::string> entries;
  const std::regex entry(R"(\.visible \.entry (\w+)\()");
  for (auto it = std::sregex_iterator(library.begin(), library.end(), entry); it != std::sregex_iterator();
       ++it)
    entries.insert((*it)[1]);
  return entries;
}

class ZooOnCuda : public ::testing::TestWithParam<std::string> {};

TEST_P(ZooOnCuda, LinksWithAKernelForEveryGpuStage) {
  const std::string name = GetParam();
  ScratchDir dir(name + "-cuda");
  compileModelFor(zooModel(name), "cuda", dir.path());
  const nlohmann::json manifest = nlohmann::json::parse(readFile(dir.path() / "manifest.json"));
  const std::string library = readFile(dir.path() / ("lib" + name + ".so"));
  const std::set<std::string> entries = ptxEntries(library);
  EXPECT_NE(library.find(".target sm_80"), std::string::npos);
  std::set<std::string> listed;  // blocks that share a function list the same kernels
  for (const auto& block : manifest["blocks"]) {
    ASSERT_TRUE(block.contains("kernels")) << "block " << block["id"] << " runs on the host";
    EXPECT_EQ(block["kernels"].size(), block["gpu_stages"].size())
        << "block " << block["id"] << ": one kernel per GPU stage of " << block["gpu_stages"].dump();
    for (const std::string kernel : block["kernels"]) {
      EXPECT_TRUE(entries.count(kernel)) << "block " << block["id"] << ": no PTX entry " << kernel;
      listed.insert(kernel);
    }
  }
  EXPECT_EQ(entries, listed) << "PTX entries that no block lists";
  std::printf("%s: %zu blocks, %zu kernels\n", name.c_str(), manifest["blocks"].size(), listed.size());
}

INSTANTIATE_TEST_SUITE_P(Zoo, ZooOnCuda,
                         ::testing::Values("lenet5_traced", "resnet18_traced", "resnet34_scripted",
                                           "resnet50_traced", "mobilenet_v2_traced",
                                           "efficientnet_b0_scripted", "transformer_traced"),
                         [](const auto& info) { return info.param; });

TEST(CudaRuntime, NoDriverIsAClearErrorAtLoad) {
  if (cudaDeviceCount() > 0) GTEST_SKIP() << "this machine has a CUDA device";
  ScratchDir dir("resnet18-cuda-no-driver");
  compileModelFor(zooModel("resnet18_traced"), "cuda", dir.path());
  try {
    runtime::Model model(dir.path());
    FAIL() << "a CUDA artifact loaded without a CUDA device";
  } catch (const runtime::Error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot use the GPU"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("--target host"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace kiln::testing
