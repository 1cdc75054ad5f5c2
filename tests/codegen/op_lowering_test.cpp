// The per-op differential sweep (random_op_graphs.h) on each x86 target this machine runs and on arm64, run
// under qemu-aarch64.
#include <gtest/gtest.h>

#include <Halide.h>

#include "codegen/lowering.h"
#include "codegen_test_support.h"
#include "ir/op_registry.h"
#include "random_op_graphs.h"

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

}  // namespace
}  // namespace kiln::testing
