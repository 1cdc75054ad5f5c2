// The per-op differential sweep (random_op_graphs.h) on each x86 target this machine runs and on arm64, run
// under qemu-aarch64.
#include <limits>

#include <gtest/gtest.h>

#include <Halide.h>

#include "codegen/lowering.h"
#include "codegen_test_support.h"
#include "ir/op_registry.h"
#include "random_op_graphs.h"
#include "validation/artifact_executor.h"

namespace kiln::testing {
namespace {

TEST(Lowerings, EveryRegisteredKindHasALoweringAndARandomGenerator) {
  for (const ir::OpDef& def : ir::OpRegistry::global().all()) {
    EXPECT_TRUE(codegen::hasLowering(def.kind)) << def.kind;
    EXPECT_TRUE(hasRandomGenerator(def.kind)) << def.kind;
  }
}

class OpLowering : public ::testing::TestWithParam<std::string> {};

TEST_P(OpLowering, MatchesATenOnEveryTarget) {
  expectKindMatchesATen(GetParam(), cpuTargetsThisMachineRuns());
}

TEST_P(OpLowering, ConstantFoldingMatchesATen) {
  expectFoldMatchesATen(GetParam());
}

INSTANTIATE_TEST_SUITE_P(AllKinds, OpLowering, ::testing::ValuesIn(allKinds()),
                         [](const auto& info) { return info.param; });

// sigmoid and silu compute e^x their own way (elementwise.cpp's logisticExp): checked value by value over
// the whole float range, where it saturates (beyond +-87) and at infinities and NaN, against ATen.
TEST(OpLowering, LogisticFunctionsMatchATenValueByValue) {
  std::vector<float> values;
  for (float x = -120.0f; x <= 120.0f; x += 0.0625f) values.push_back(x);
  for (float x : {-1e30f, -88.5f, -87.0f, -1e-30f, 0.0f, 1e-30f, 88.5f, 1e30f}) values.push_back(x);
  const float inf = std::numeric_limits<float>::infinity();
  values.insert(values.end(), {inf, -inf, std::numeric_limits<float>::quiet_NaN()});
  const int64_t n = static_cast<int64_t>(values.size());
  ir::Graph graph("logistic");
  const ir::ValueId x = graph.addInput("x", {ir::DType::Float32, {n}});
  graph.setOutputs({graph.addOp1("sigmoid", {x}), graph.addOp1("silu", {x})});
  const at::Tensor input = at::from_blob(values.data(), {n}, at::kFloat).clone();
  for (const std::string& target : cpuTargetsThisMachineRuns()) {
    ScratchDir dir("logistic-" + target);
    const std::vector<at::Tensor> actual =
        validation::openArtifact(compileGraph(graph, "none", dir.path(), target), 0)->run({input});
    const at::Tensor finite = input.abs() < 1e30;
    const at::Tensor sigmoid = at::sigmoid(input), silu = at::silu(input);
    // sigmoid within 2e-7 absolute; silu within 1e-6 of its magnitude (at least 1e-30 apart from zero).
    EXPECT_LE((actual[0] - sigmoid).abs().masked_select(finite).max().item<float>(), 2e-7f) << target;
    EXPECT_TRUE(
        ((actual[1] - silu).abs() <= 1e-6 * silu.abs() + 1e-30).masked_select(finite).all().item<bool>())
        << target;
    EXPECT_TRUE(at::isnan(actual[0][n - 1]).item<bool>() && at::isnan(actual[1][n - 1]).item<bool>())
        << target;
    EXPECT_EQ(actual[0][n - 3].item<float>(), 1.0f) << target;                               // sigmoid(inf)
    EXPECT_LE(actual[0][n - 2].item<float>(), std::numeric_limits<float>::min()) << target;  // sigmoid(-inf)
    EXPECT_EQ(actual[1][n - 3].item<float>(), inf) << target;                                // silu(inf)
  }
}

}  // namespace
}  // namespace kiln::testing
