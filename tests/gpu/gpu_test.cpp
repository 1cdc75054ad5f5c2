// The tests that need an NVIDIA GPU (CTest label `gpu`): the per-op differential sweep and the zoo, compiled
// with --target cuda and validated against LibTorch on the CPU (the validator's fp32 tolerance). Without a
// device each reports "skipped: no CUDA device".
#include <gtest/gtest.h>

#include "../codegen/codegen_test_support.h"
#include "../codegen/random_op_graphs.h"
#include "../frontend/zoo_test_support.h"
#include "cuda_device.h"
#include "validation/compile_model.h"
#include "validation/validate.h"

namespace kiln::testing {
namespace {

void skipWithoutDevice() {
  if (cudaDeviceCount() == 0) GTEST_SKIP() << "skipped: no CUDA device";
}

class OpLoweringOnGpu : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { skipWithoutDevice(); }
};

TEST_P(OpLoweringOnGpu, MatchesATen) {
  expectKindMatchesATen(GetParam(), {"cuda"});
}

INSTANTIATE_TEST_SUITE_P(AllKinds, OpLoweringOnGpu, ::testing::ValuesIn(allKinds()),
                         [](const auto& info) { return info.param; });

class ZooOnGpu : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { skipWithoutDevice(); }
};

TEST_P(ZooOnGpu, ValidatesAgainstLibTorch) {
  const std::string name = GetParam();
  ScratchDir dir(name + "-cuda");
  compileModelFor(zooModel(name), "cuda", dir.path());
  validation::ValidateOptions validate;
  validate.seeds = {1, 2};
  const auto report = validation::validateArtifact(zooModel(name), dir.path(), validate);
  std::printf("%s", validation::formatReport(report, validate.tolerance).c_str());
  EXPECT_TRUE(report.pass);
}

INSTANTIATE_TEST_SUITE_P(Zoo, ZooOnGpu,
                         ::testing::Values("lenet5_traced", "resnet18_traced", "resnet34_scripted",
                                           "resnet50_traced", "mobilenet_v2_traced",
                                           "efficientnet_b0_scripted", "transformer_traced"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace kiln::testing
