// The fusion decisions on small graphs whose right answer is known: the mapping table, the squeeze-excitation
// chain fused through its tiny intermediates, compute-bound convolutions kept apart (a streamed one too)
// while a memory-bound depthwise conv streams into a pointwise one, the pattern baseline's fork/join rules,
// and the roofline model.
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "fusion/mapping_table.h"
#include "fusion/metrics.h"
#include "fusion/strategies.h"
#include "ir/parser.h"

namespace kiln::fusion {
namespace {

using M = ir::MappingType;

TEST(MappingTable, MatchesThePaper) {
  EXPECT_EQ(lookupPair(M::OneToOne, M::ManyToMany).verdict, PairVerdict::Fuse);
  EXPECT_EQ(lookupPair(M::OneToOne, M::ManyToMany).fused, M::ManyToMany);
  EXPECT_EQ(lookupPair(M::ManyToMany, M::OneToOne).verdict, PairVerdict::Fuse);
  EXPECT_EQ(lookupPair(M::ManyToMany, M::ManyToMany).verdict, PairVerdict::Break);
  EXPECT_EQ(lookupPair(M::OneToMany, M::ManyToMany).verdict, PairVerdict::Break);
  EXPECT_EQ(lookupPair(M::ManyToMany, M::OneToMany).verdict, PairVerdict::Profit);
  EXPECT_EQ(lookupPair(M::Reorganize, M::ManyToMany).verdict, PairVerdict::Profit);
  EXPECT_EQ(lookupPair(M::Shuffle, M::Reorganize).fused, M::Reorganize);
  EXPECT_EQ(lookupPair(M::Reorganize, M::OneToMany).fused, M::OneToMany);
  for (M a : {M::OneToOne, M::Reorganize, M::Shuffle, M::OneToMany, M::ManyToMany}) {
    EXPECT_EQ(lookupPair(M::OneToOne, a).verdict, PairVerdict::Fuse);
    EXPECT_EQ(lookupPair(a, M::OneToOne).verdict, PairVerdict::Fuse);
  }
}

int blockOf(const ir::Graph& graph, const Plan& plan, const char* value) {
  ir::UseIndex uses(graph);
  return plan.block_of_op[uses.producer[graph.findValue(value)]];
}

// MBConv-style squeeze-excitation of %`x` (f32[1,64,28,28]): the pool, two 1x1 convs on 1x1 maps, the gate
// and the scale, returned.
std::string squeezeExcitation(const std::string& x) {
  return fmt::format(R"(
    %w1: f32[16,64,1,1] = constant splat<0.1>
    %w2: f32[64,16,1,1] = constant splat<0.1>
    %p: f32[1,64,1,1] = adaptive_avg_pool2d(%{0}) {{output_size=[1,1]}}
    %s1: f32[1,16,1,1] = conv2d(%p, %w1)
    %a: f32[1,16,1,1] = silu(%s1)
    %s2: f32[1,64,1,1] = conv2d(%a, %w2)
    %g: f32[1,64,1,1] = sigmoid(%s2)
    %y: f32[1,64,28,28] = mul(%{0}, %g)
    return %y
  }})",
                     x);
}

const std::string kSqueezeExcitation = "graph se(%x: f32[1,64,28,28]) {" + squeezeExcitation("x");

TEST(DnnFusion, FusesTheWholeSqueezeExcitationChainThroughTinyIntermediates) {
  ir::Graph graph = ir::parseGraph(kSqueezeExcitation);
  Plan plan = partition(graph, "dnnfusion", {});
  ASSERT_EQ(plan.blocks.size(), 1u);
  EXPECT_FALSE(plan.blocks[0].notes.empty());  // break cells reconsidered, with the cost model's numbers
  EXPECT_EQ(plan.blocks[0].footprint.internals.size(), 5u);
}

// EfficientNet's MBConv: a depthwise conv's silu is read by both the squeeze (a global pool) and the gate's
// multiply. The squeeze-excitation block seeds first (its tiny one-to-one ops), but leaves the silu to the
// depthwise conv's block: there it runs once per value on the sums in registers, not once per read. A cheap
// op in the same place (relu) is taken by the walk as before.
TEST(DnnFusion, LeavesACostlyActivationToTheConvItFollows) {
  for (const std::string act : {"silu", "relu"}) {
    ir::Graph graph = ir::parseGraph(fmt::format(R"(graph mbconv(%x: f32[1,64,28,28]) {{
      %wd: f32[64,1,3,3] = constant splat<0.1>
      %d: f32[1,64,28,28] = conv2d(%x, %wd) {{padding=[1,1], groups=64}}
      %x2: f32[1,64,28,28] = {}(%d))",
                                                 act) +
                                     squeezeExcitation("x2"));
    Plan plan = partition(graph, "dnnfusion", {});
    const bool with_conv = blockOf(graph, plan, "x2") == blockOf(graph, plan, "d");
    EXPECT_EQ(with_conv, act == "silu") << act;
    EXPECT_EQ(blockOf(graph, plan, "p"), blockOf(graph, plan, "y")) << act;
  }
}

// EfficientNet's 7x7 MBConv: the expand conv's silu seeds a block before the depthwise conv's does (same
// size, earlier). It takes its conv first, as the conv's epilogue, instead of taking the depthwise conv and
// leaving the expand conv alone (a block that then recomputed the silu for every strip's halo). The
// squeeze-excitation's tiny silu keeps the paper's order (LeavesACostlyActivationToTheConvItFollows).
TEST(DnnFusion, ACostlyActivationSeedTakesItsConvFirst) {
  ir::Graph graph = ir::parseGraph(R"(graph mbconv(%x: f32[1,192,7,7]) {
    %we: f32[1152,192,1,1] = constant splat<0.01>
    %e: f32[1,1152,7,7] = conv2d(%x, %we)
    %xa: f32[1,1152,7,7] = silu(%e)
    %wd: f32[1152,1,5,5] = constant splat<0.1>
    %d: f32[1,1152,7,7] = conv2d(%xa, %wd) {padding=[2,2], groups=1152}
    %xb: f32[1,1152,7,7] = silu(%d)
    return %xb
  })");
  Plan plan = partition(graph, "dnnfusion", {});
  EXPECT_EQ(blockOf(graph, plan, "xa"), blockOf(graph, plan, "e"));
}

// MobileNetV2's last inverted residual: the relu6 of the depthwise conv feeds a 1x1 conv with 1.2 MB of
// weights, more than a core's L2, whose threads split output channels and read the relu6's value whole. The
// relu6 stays with the depthwise conv, as its epilogue; with 160 output channels (600 KiB) it joins the 1x1.
TEST(DnnFusion, AChannelSplitPointwiseConvLeavesItsOperandsOpsToTheirProducer) {
  for (int outputs : {320, 160}) {
    ir::Graph graph = ir::parseGraph(fmt::format(R"(graph ir(%x: f32[1,960,7,7]) {{
      %wd: f32[960,1,3,3] = constant splat<0.1>
      %wp: f32[{0},960,1,1] = constant splat<0.01>
      %d: f32[1,960,7,7] = conv2d(%x, %wd) {{padding=[1,1], groups=960}}
      %r: f32[1,960,7,7] = hardtanh(%d) {{min_val=0.0, max_val=6.0}}
      %p: f32[1,{0},7,7] = conv2d(%r, %wp)
      return %p
    }})",
                                                 outputs));
    Plan plan = partition(graph, "dnnfusion", {});
    EXPECT_EQ(blockOf(graph, plan, "r") == blockOf(graph, plan, "d"), outputs == 320) << outputs;
    EXPECT_EQ(blockOf(graph, plan, "r") == blockOf(graph, plan, "p"), outputs == 160) << outputs;
  }
}

// A conv's 200 KiB output read by a global pool: too big to cache, and the pool needs all of it at once.
TEST(DnnFusion, ABigIntermediateReadWholeStaysABoundary) {
  ir::Graph graph = ir::parseGraph(R"(graph g(%x: f32[1,64,28,28]) {
    %w: f32[64,64,3,3] = constant splat<0.01>
    %c: f32[1,64,28,28] = conv2d(%x, %w) {padding=[1,1]}
    %p: f32[1,64,1,1] = adaptive_avg_pool2d(%c) {output_size=[1,1]}
    return %p
  })");
  Plan plan = partition(graph, "dnnfusion", {});
  ASSERT_EQ(plan.blocks.size(), 2u);
  ASSERT_EQ(plan.boundaries.size(), 1u);
  EXPECT_EQ(plan.boundaries[0].stop.kind, StopKind::Rule);
  EXPECT_NE(plan.boundaries[0].stop.reason.find("break"), std::string::npos);
}

// The graphs below end in a global pool, as a classifier does: a block whose output is the model's rank-4
// output, written in PyTorch's NCHW order, would compute its internal values whole (residency.h).

// Two compute-bound 3x3 convolutions: fusing them would recompute the first one's strip halos for no saving.
TEST(DnnFusion, KeepsComputeBoundConvolutionsApart) {
  ir::Graph graph = ir::parseGraph(R"(graph g(%x: f32[1,128,56,56]) {
    %w1: f32[128,128,3,3] = constant splat<0.01>
    %w2: f32[128,128,3,3] = constant splat<0.01>
    %a: f32[1,128,56,56] = conv2d(%x, %w1) {padding=[1,1]}
    %r: f32[1,128,56,56] = relu(%a)
    %b: f32[1,128,56,56] = conv2d(%r, %w2) {padding=[1,1]}
    %o: f32[1,128,1,1] = adaptive_avg_pool2d(%b) {output_size=[1,1]}
    return %o
  })");
  Plan plan = partition(graph, "dnnfusion", {});
  EXPECT_EQ(plan.blocks.size(), 3u);
  EXPECT_NE(blockOf(graph, plan, "a"), blockOf(graph, plan, "b"));
  bool cost_decided = false;
  for (const Boundary& b : plan.boundaries) cost_decided = cost_decided || b.stop.kind == StopKind::Cost;
  EXPECT_TRUE(cost_decided);
}

// ResNet-50's 3x3 conv and the 1x1 conv after it: no halo to recompute and strips enough for both threads,
// but streamed, the 3x3 conv would lose its own schedule (Winograd, register tiles) for a saved write of a
// value neither conv waits on.
TEST(DnnFusion, KeepsAStreamedConvOutOfTheComputeBoundConvAfterIt) {
  ir::Graph graph = ir::parseGraph(R"(graph g(%x: f32[1,64,56,56]) {
    %w1: f32[64,64,3,3] = constant splat<0.01>
    %w2: f32[256,64,1,1] = constant splat<0.01>
    %a: f32[1,64,56,56] = conv2d(%x, %w1) {padding=[1,1]}
    %r: f32[1,64,56,56] = relu(%a)
    %b: f32[1,256,56,56] = conv2d(%r, %w2)
    %o: f32[1,256,1,1] = adaptive_avg_pool2d(%b) {output_size=[1,1]}
    return %o
  })");
  Plan plan = partition(graph, "dnnfusion", {});
  EXPECT_NE(blockOf(graph, plan, "a"), blockOf(graph, plan, "b"));
  ir::UseIndex uses(graph);
  RooflineModel model(Machine{});
  RooflineEstimate fused = model.estimate(graph, uses, {0, 1, 2});
  EXPECT_EQ(fused.recompute_flops, 0);
  EXPECT_EQ(fused.streamed_flops, model.estimate(graph, uses, {0}).flops);
}

// A memory-bound depthwise conv feeding a pointwise conv: the pointwise conv reads the intermediate pixel by
// pixel, so it streams with no recomputation and the pair fuses (Halide's depthwise_separable_conv app).
TEST(DnnFusion, StreamsADepthwiseConvIntoAPointwiseConv) {
  ir::Graph graph = ir::parseGraph(R"(graph g(%x: f32[1,96,56,56]) {
    %wd: f32[96,1,3,3] = constant splat<0.1>
    %wp: f32[24,96,1,1] = constant splat<0.1>
    %d: f32[1,96,56,56] = conv2d(%x, %wd) {padding=[1,1], groups=96}
    %r: f32[1,96,56,56] = hardtanh(%d) {min_val=0.0, max_val=6.0}
    %p: f32[1,24,56,56] = conv2d(%r, %wp)
    %o: f32[1,24,1,1] = adaptive_avg_pool2d(%p) {output_size=[1,1]}
    return %o
  })");
  Plan plan = partition(graph, "dnnfusion", {});
  ASSERT_EQ(plan.blocks.size(), 2u);
  EXPECT_EQ(blockOf(graph, plan, "d"), blockOf(graph, plan, "p"));
  PlanMetrics m = computeMetrics(graph, plan, Machine{});
  EXPECT_GT(m.traffic_reduction, 0.5);
}

TEST(Pattern, StopsAtForksAndJoinsExceptTheSqueezeExcitationGate) {
  ir::Graph graph = ir::parseGraph(kSqueezeExcitation);
  Plan plan = partition(graph, "pattern", {});
  // pool -> conv -> silu -> conv -> sigmoid -> mul is allowed pair by pair, and sigmoid -> mul may enter the
  // join; the input %x forks, which does not matter because it is no op's output.
  EXPECT_EQ(plan.blocks.size(), 1u);

  ir::Graph residual = ir::parseGraph(R"(graph g(%x: f32[1,8,8,8]) {
    %w: f32[8,8,3,3] = constant splat<0.1>
    %c: f32[1,8,8,8] = conv2d(%x, %w) {padding=[1,1]}
    %r: f32[1,8,8,8] = relu(%c)
    %c2: f32[1,8,8,8] = conv2d(%r, %w) {padding=[1,1]}
    %s: f32[1,8,8,8] = add(%c2, %r)
    %o: f32[1,8,8,8] = relu(%s)
    return %o
  })");
  Plan chains = partition(residual, "pattern", {});
  EXPECT_EQ(blockOf(residual, chains, "c"), blockOf(residual, chains, "r"));   // conv -> relu
  EXPECT_NE(blockOf(residual, chains, "r"), blockOf(residual, chains, "c2"));  // fork at %r
  EXPECT_NE(blockOf(residual, chains, "c2"), blockOf(residual, chains, "s"));  // join at add
  EXPECT_EQ(blockOf(residual, chains, "s"), blockOf(residual, chains, "o"));   // add -> relu
}

// x -> depthwise 3x3 convs a, b and c -> relu, with `channels` channels. The blocks below are a, b and c: c
// is written for the relu, so it is not a model output (whose NCHW copy would need every internal value
// whole).
ir::Graph chainOfWindows(int channels, int size = 64) {
  return ir::parseGraph(fmt::format(R"(graph g(%x: f32[1,{0},{1},{1}]) {{
    %w: f32[{0},1,3,3] = constant splat<0.1>
    %a: f32[1,{0},{1},{1}] = conv2d(%x, %w) {{padding=[1,1], groups={0}}}
    %b: f32[1,{0},{1},{1}] = conv2d(%a, %w) {{padding=[1,1], groups={0}}}
    %c: f32[1,{0},{1},{1}] = conv2d(%b, %w) {{padding=[1,1], groups={0}}}
    %d: f32[1,{0},{1},{1}] = relu(%c)
    return %d
  }})",
                                    channels, size));
}

// A strip of 8 rows of c needs 10 rows of b and 12 of a: the halos add up along the chain (a is computed
// 1.5 times, not 1.25 * 1.25), and the strip holds those rows of a and b.
TEST(Roofline, HalosAddUpAlongAChainOfWindows) {
  ir::Graph graph = chainOfWindows(16);
  ir::UseIndex uses(graph);
  RooflineModel model(Machine{});
  const int64_t depthwise = model.estimate(graph, uses, {1}).flops;
  RooflineEstimate fused = model.estimate(graph, uses, {0, 1, 2});
  EXPECT_EQ(fused.strip_rows, 8);
  EXPECT_EQ(fused.recompute_flops, depthwise / 2 + depthwise / 4);
  EXPECT_EQ(fused.strip_bytes, (12 + 10) * 16 * 64 * 4);
}

// Threads take whole strips: 56 rows in 7 strips of 8 keep one of 2 threads idle for a strip, so 8 strips
// of 7 price better despite their extra halo.
TEST(Roofline, StripsSplitEvenlyAmongThreads) {
  ir::Graph graph = chainOfWindows(16, 56);
  ir::UseIndex uses(graph);
  RooflineEstimate fused = RooflineModel(Machine{}).estimate(graph, uses, {0, 1, 2});
  EXPECT_EQ(fused.strip_rows, 7);
  EXPECT_DOUBLE_EQ(fused.parallel_efficiency, 1.0);
}

// What a strip holds beyond half a core's L2 goes to memory and back once per strip, so a machine with less
// L2 gets shorter strips (and pays their halos instead).
TEST(Roofline, StripsShortenWhenTheyWouldSpillL2) {
  ir::Graph graph = chainOfWindows(128);
  ir::UseIndex uses(graph);
  Machine roomy, cramped;
  roomy.l2_bytes = 8 << 20;
  cramped.l2_bytes = 1 << 20;
  RooflineEstimate in_roomy = RooflineModel(roomy).estimate(graph, uses, {0, 1, 2});
  RooflineEstimate in_cramped = RooflineModel(cramped).estimate(graph, uses, {0, 1, 2});
  EXPECT_EQ(in_roomy.strip_rows, 8);
  EXPECT_LT(in_cramped.strip_rows, in_roomy.strip_rows);
  EXPECT_LE(in_cramped.strip_bytes, cramped.stripBudget());
  EXPECT_GT(in_cramped.recompute_flops, in_roomy.recompute_flops);
}

// Threads of a block computed in strips split its rows, so a 1x1 conv's weights beyond the strip's share of
// L2 (here 1 MiB of 64 x 4096) are fetched again for every row of output: 8 rows, 8 fetches.
TEST(Roofline, WeightsBeyondTheL2AreFetchedPerRowInStrips) {
  ir::Graph graph = ir::parseGraph(R"(graph g(%x: f32[1,64,8,8]) {
    %w: f32[64,1,3,3] = constant splat<0.1>
    %v: f32[4096,64,1,1] = constant splat<0.1>
    %a: f32[1,64,8,8] = conv2d(%x, %w) {padding=[1,1], groups=64}
    %b: f32[1,4096,8,8] = conv2d(%a, %v)
    %o: f32[1,4096,8,8] = relu(%b)
    return %o
  })");
  ir::UseIndex uses(graph);
  RooflineModel model(Machine{});
  const int64_t weights = 4096 * 64 * 4;
  RooflineEstimate fused = model.estimate(graph, uses, {0, 1});
  RooflineEstimate conv = model.estimate(graph, uses, {1});
  EXPECT_GT(fused.traffic_bytes, 8 * weights);
  EXPECT_LT(conv.traffic_bytes, 3 * weights);  // alone, its threads split output channels: one fetch
}

TEST(Roofline, ChargesRecomputationAndClassifiesByTheRidge) {
  ir::Graph graph = ir::parseGraph(R"(graph g(%x: f32[1,32,64,64]) {
    %w1: f32[32,32,1,1] = constant splat<0.1>
    %w2: f32[32,1,3,3] = constant splat<0.1>
    %a: f32[1,32,64,64] = conv2d(%x, %w1)
    %b: f32[1,32,64,64] = conv2d(%a, %w2) {padding=[1,1], groups=32}
    %o: f32[1,32,1,1] = adaptive_avg_pool2d(%b) {output_size=[1,1]}
    return %o
  })");
  ir::UseIndex uses(graph);
  RooflineModel model(Machine{});
  RooflineEstimate apart = model.estimate(graph, uses, {0});
  RooflineEstimate fused = model.estimate(graph, uses, {0, 1});
  EXPECT_EQ(apart.recompute_flops, 0);
  // 8-row strips of a 3-row window need 10 rows of the 1x1 conv: a quarter more of its FLOPs.
  EXPECT_EQ(fused.recompute_flops, apart.flops / 4);
  Machine machine;
  EXPECT_EQ(classify(machine.ridgeFlopsPerByte() * 4, machine), BoundClass::Compute);
  EXPECT_EQ(classify(machine.ridgeFlopsPerByte(), machine), BoundClass::Balanced);
  EXPECT_EQ(classify(machine.ridgeFlopsPerByte() / 4, machine), BoundClass::Memory);
}

}  // namespace
}  // namespace kiln::fusion
