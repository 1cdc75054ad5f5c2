// End to end: every zoo model compiles at its full input shape, with kiln's default schedules and with the
// autoscheduler, records every block's schedule template and config, and validates against LibTorch (the
// validator's default fp32 tolerance, two seeds).
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "../frontend/zoo_test_support.h"
#include "codegen_test_support.h"
#include "validation/compile_model.h"
#include "validation/validate.h"

namespace kiln::testing {
namespace {

using ZooCase = std::tuple<std::string, codegen::ScheduleKind>;

class ZooCompile : public ::testing::TestWithParam<ZooCase> {};

TEST_P(ZooCompile, ValidatesAgainstLibTorch) {
  const auto& [name, schedule] = GetParam();
  ScratchDir dir(name + "-" + codegen::scheduleKindName(schedule));
  validation::ModelCompileOptions options;
  options.codegen.schedule.kind = schedule;
  const auto summary = validation::compileModel(zooModel(name), options, dir.path());
  EXPECT_GT(summary.blocks, 0);
  std::ifstream manifest_file(dir.path() / "manifest.json");
  const nlohmann::json manifest = nlohmann::json::parse(manifest_file);
  ASSERT_EQ(manifest["blocks"].size(), static_cast<size_t>(summary.blocks));
  for (const nlohmann::json& block : manifest["blocks"]) {
    const nlohmann::json& config = block.at("schedule");
    EXPECT_FALSE(config.at("template").get<std::string>().empty()) << block["id"];
    EXPECT_TRUE(config.at("params").is_object()) << block["id"];
  }
  validation::ValidateOptions validate;
  validate.seeds = {1, 2};
  const auto report = validation::validateArtifact(zooModel(name), dir.path(), validate);
  std::printf("%s", validation::formatReport(report, validate.tolerance).c_str());
  EXPECT_TRUE(report.pass);
}

INSTANTIATE_TEST_SUITE_P(
    Zoo, ZooCompile,
    ::testing::Combine(::testing::Values("lenet5_traced", "resnet18_traced", "resnet34_scripted",
                                         "resnet50_traced", "mobilenet_v2_traced", "efficientnet_b0_scripted",
                                         "transformer_traced", "transformer_scripted",
                                         "more_op_coverage_traced", "more_op_coverage_scripted",
                                         "recurrent_scripted", "masks_and_indices_traced",
                                         "masks_and_indices_scripted", "token_encoder_traced",
                                         "token_encoder_scripted"),
                       ::testing::Values(codegen::ScheduleKind::Default, codegen::ScheduleKind::Auto)),
    [](const auto& info) {
      return std::get<0>(info.param) + "_" + codegen::scheduleKindName(std::get<1>(info.param));
    });

}  // namespace
}  // namespace kiln::testing
