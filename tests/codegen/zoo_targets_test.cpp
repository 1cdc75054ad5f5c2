// The zoo on kiln's other targets. arm64: LeNet-5, ResNet-18, MobileNetV2 and EfficientNet-B0 compile at
// their full input shape and validate against LibTorch on this machine while running under qemu-aarch64
// (the validator's default fp32 tolerance, one seed: emulation is slow).
#include <gtest/gtest.h>

#include "../frontend/zoo_test_support.h"
#include "codegen_test_support.h"
#include "validation/compile_model.h"
#include "validation/validate.h"

namespace kiln::testing {
namespace {

class ZooOnArm64 : public ::testing::TestWithParam<std::string> {};

TEST_P(ZooOnArm64, ValidatesUnderEmulation) {
  const std::string name = GetParam();
  ScratchDir dir(name + "-arm64");
  validation::ModelCompileOptions options;
  options.codegen.target = "arm64";
  const auto summary = validation::compileModel(zooModel(name), options, dir.path());
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
                                           "efficientnet_b0_traced"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace kiln::testing
