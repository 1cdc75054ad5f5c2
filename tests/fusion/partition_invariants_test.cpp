// The invariants every strategy must keep, checked on thousands of random graphs and on small graphs built to
// trap a partitioner: each op in exactly one block, an acyclic block graph in a valid execution order, block
// inputs/outputs/internals that match the ops, a reason for every boundary, and never more traffic than the
// unfused graph.
#include <gtest/gtest.h>

#include "fusion/metrics.h"
#include "fusion/residency.h"
#include "fusion/strategies.h"
#include "ir/parser.h"
#include "ir/verifier.h"
#include "tests/fusion/random_graphs.h"

namespace kiln::fusion {
namespace {

std::string describe(const std::vector<std::string>& problems) {
  std::string text;
  for (const auto& p : problems) text += "\n  " + p;
  return text;
}

void expectSound(const ir::Graph& graph, const Plan& plan, const PartitionOptions& options,
                 const std::string& where) {
  auto problems = checkPlan(graph, plan);
  ASSERT_TRUE(problems.empty()) << where << " " << plan.strategy << describe(problems);
  for (const Boundary& b : plan.boundaries) EXPECT_FALSE(b.stop.reason.empty()) << where;
  PlanMetrics m = computeMetrics(graph, plan, options.machine);
  EXPECT_LE(m.traffic_bytes, m.unfused_bytes) << where << " " << plan.strategy;
  for (const Block& block : plan.blocks) EXPECT_LE(static_cast<int>(block.ops.size()), options.max_block_ops);
}

TEST(PartitionInvariants, HoldOnThousandsOfRandomGraphs) {
  constexpr int kGraphs = 3000;
  int fused_blocks = 0;
  for (uint32_t seed = 0; seed < kGraphs; ++seed) {
    ir::Graph graph = testing::RandomGraphBuilder(seed).build();
    ASSERT_TRUE(ir::verify(graph).empty()) << "generator made a bad graph, seed " << seed;
    PartitionOptions options;
    options.max_block_ops = 2 + static_cast<int>(seed % 12);   // exercise the size cap too
    options.machine.stage_bytes = seed % 2 ? 32 * 1024 : 512;  // and both sides of the cache threshold
    std::string where = "seed " + std::to_string(seed);
    for (const std::string& strategy : strategyNames()) {
      Plan plan = partition(graph, strategy, options);
      expectSound(graph, plan, options, where);
      if (strategy == "dnnfusion") {
        ir::UseIndex uses(graph);
        for (const Block& block : plan.blocks) {
          fused_blocks += block.ops.size() > 1;
          EXPECT_EQ(block.residency, classifyInternals(graph, uses, block.ops, options.machine)) << where;
          for (auto& [value, where_it_lives] : block.residency.where)
            EXPECT_NE(where_it_lives, Residency::Materialized) << where << " block " << block.id;
        }
      }
    }
  }
  EXPECT_GT(fused_blocks, kGraphs);  // the property is not vacuous: most graphs do fuse
}

TEST(PartitionInvariants, NoneMakesOneBlockPerOpAndExplainsEveryEdge) {
  ir::Graph graph = testing::RandomGraphBuilder(7).build();
  Plan plan = partitionNone(graph, PartitionOptions{});
  EXPECT_EQ(plan.blocks.size(), graph.ops().size());
  for (const Boundary& b : plan.boundaries) EXPECT_EQ(b.stop.kind, StopKind::Strategy);
  EXPECT_DOUBLE_EQ(computeMetrics(graph, plan, Machine{}).traffic_reduction, 0.0);
}

// %a feeds both %b (through another block) and %c. Fusing %a with %c while %b stays outside would make the
// block graph cyclic: {a,c} -> {b} -> {a,c}.
TEST(PartitionInvariants, MergingNeverCreatesACycleThroughAnotherBlock) {
  ir::Graph graph = ir::parseGraph(R"(graph g(%x: f32[1,8,16,16]) {
    %w: f32[8,8,3,3] = constant splat<0.1>
    %a: f32[1,8,16,16] = relu(%x)
    %b: f32[1,8,16,16] = conv2d(%a, %w) {padding=[1,1]}
    %c: f32[1,8,16,16] = add(%a, %b)
    return %c
  })");
  for (const std::string& strategy : strategyNames()) {
    Plan plan = partition(graph, strategy, PartitionOptions{});
    EXPECT_TRUE(checkPlan(graph, plan).empty()) << strategy;
  }
}

TEST(PartitionInvariants, CheckPlanCatchesABrokenPlan) {
  ir::Graph graph = testing::RandomGraphBuilder(3).build();
  Plan plan = partitionNone(graph, PartitionOptions{});
  ASSERT_GE(plan.blocks.size(), 2u);
  std::swap(plan.blocks[0].ops, plan.blocks[1].ops);  // ops now sit in blocks that disagree with block_of_op
  EXPECT_FALSE(checkPlan(graph, plan).empty());
}

}  // namespace
}  // namespace kiln::fusion
