// Where fusion says a block's internal values live, on small blocks whose codegen is known: streamed into
// the output's strips, following the register tiles of the output they feed, kept because rereading them
// costs more, and computed whole when the block cannot stream (several outputs, a model output in NCHW).
#include <gtest/gtest.h>

#include <numeric>

#include "fusion/residency.h"
#include "ir/parser.h"

namespace kiln::fusion {
namespace {

// The residency of every internal value when the first `ops` ops of `graph` form one block (the graphs end in
// a global pool outside it, as a classifier does: a block whose output is the model's rank-4 output computes
// its values whole).
Residencies firstOpsBlock(const ir::Graph& graph, int first_ops) {
  std::vector<int> ops(first_ops);
  std::iota(ops.begin(), ops.end(), 0);
  return classifyInternals(graph, ir::UseIndex(graph), ops, Machine{});
}

Residency where(const ir::Graph& graph, const Residencies& residencies, const char* value) {
  return residencies.where.at(graph.findValue(value));
}

TEST(Residency, ConvsFeedingTheOutputStripByStripAreStreamed) {
  ir::Graph graph = ir::parseGraph(R"(graph g(%x: f32[1,64,56,56]) {
    %w1: f32[64,64,1,1] = constant splat<0.1>
    %w2: f32[64,64,3,3] = constant splat<0.1>
    %a: f32[1,64,56,56] = conv2d(%x, %w1)
    %b: f32[1,64,56,56] = relu(%a)
    %c: f32[1,64,56,56] = conv2d(%b, %w2) {padding=[1,1]}
    %d: f32[1,64,56,56] = relu(%c)
    %o: f32[1,64,1,1] = adaptive_avg_pool2d(%d) {output_size=[1,1]}
    return %o
  })");
  const Residencies r = firstOpsBlock(graph, 4);
  EXPECT_EQ(where(graph, r, "a"), Residency::Streamed);
  EXPECT_EQ(where(graph, r, "b"), Residency::Streamed);
  EXPECT_EQ(where(graph, r, "c"), Residency::Streamed);  // the anchor: the output's register tiles
  EXPECT_TRUE(r.kept.empty());                           // relu is recomputed in the conv's taps
}

// A residual block's tail: the 1x1 conv's sums are the tiles of the handed-out relu, and the next conv
// reads that output; with two outputs, nothing else can be streamed.
TEST(Residency, SeveralOutputsComputeWholeExceptTheSumsOfAnOutputsTiles) {
  ir::Graph graph = ir::parseGraph(R"(graph g(%x: f32[1,256,56,56], %r: f32[1,256,56,56]) {
    %w1: f32[256,256,1,1] = constant splat<0.1>
    %w2: f32[64,256,1,1] = constant splat<0.1>
    %a: f32[1,256,56,56] = conv2d(%x, %w1)
    %s: f32[1,256,56,56] = add(%a, %r)
    %y: f32[1,256,56,56] = relu(%s)
    %z: f32[1,64,56,56] = conv2d(%y, %w2)
    return %y, %z
  })");
  const Residencies r = firstOpsBlock(graph, 4);
  EXPECT_EQ(where(graph, r, "a"), Residency::Streamed);
  EXPECT_EQ(where(graph, r, "s"), Residency::Streamed);

  ir::Graph forked = ir::parseGraph(R"(graph g(%x: f32[1,64,56,56]) {
    %w1: f32[64,64,3,3] = constant splat<0.1>
    %w2: f32[64,64,1,1] = constant splat<0.1>
    %a: f32[1,64,56,56] = conv2d(%x, %w1) {padding=[1,1]}
    %b: f32[1,64,56,56] = relu(%a)
    %c: f32[1,64,56,56] = conv2d(%b, %w2)
    %d: f32[1,64,56,56] = conv2d(%b, %w2)
    return %c, %d
  })");
  const Residencies f = firstOpsBlock(forked, 4);
  EXPECT_EQ(where(forked, f, "a"), Residency::Materialized);  // 784 KiB, read whole by two convs
  EXPECT_EQ(where(forked, f, "b"), Residency::Inlined);
}

TEST(Residency, AModelOutputInPyTorchsLayoutComputesItsValuesWhole) {
  ir::Graph graph = ir::parseGraph(R"(graph g(%x: f32[1,8,16,16]) {
    %w: f32[8,8,3,3] = constant splat<0.1>
    %a: f32[1,8,16,16] = conv2d(%x, %w) {padding=[1,1]}
    %b: f32[1,8,16,16] = relu(%a)
    return %b
  })");
  EXPECT_EQ(where(graph, firstOpsBlock(graph, 2), "a"), Residency::Cached);  // 8 KiB
}

// A transformer MLP: the linear's sums are the gelu's tiles though a token sequence has no rows to stream.
TEST(Residency, ALinearFollowsItsEpiloguesTilesWithoutRows) {
  ir::Graph graph = ir::parseGraph(R"(graph g(%x: f32[1,197,768]) {
    %w: f32[3072,768] = constant splat<0.1>
    %h: f32[1,197,3072] = linear(%x, %w)
    %g: f32[1,197,3072] = gelu(%h)
    return %g
  })");
  EXPECT_EQ(where(graph, firstOpsBlock(graph, 2), "h"), Residency::Streamed);
}

TEST(Residency, KeepsCostlyActivationsUnderWindowsAndConcatenationsUnderSums) {
  ir::Graph graph = ir::parseGraph(R"(graph g(%x: f32[1,32,28,28], %y: f32[1,32,28,28]) {
    %w1: f32[32,32,3,3] = constant splat<0.1>
    %w2: f32[32,64,1,1] = constant splat<0.1>
    %a: f32[1,32,28,28] = silu(%x)
    %b: f32[1,32,28,28] = conv2d(%a, %w1) {padding=[1,1]}
    %c: f32[1,64,28,28] = cat(%x, %y) {dim=1}
    %d: f32[1,64,28,28] = relu(%c)
    %e: f32[1,32,28,28] = conv2d(%d, %w2)
    %f: f32[1,32,28,28] = add(%b, %e)
    %o: f32[1,32,1,1] = adaptive_avg_pool2d(%f) {output_size=[1,1]}
    return %o
  })");
  const Residencies r = firstOpsBlock(graph, 6);
  EXPECT_EQ(r.kept, (std::set<ir::ValueId>{graph.findValue("a"), graph.findValue("d")}));
  EXPECT_EQ(where(graph, r, "a"), Residency::Streamed);
  EXPECT_EQ(where(graph, r, "c"), Residency::Streamed);
  EXPECT_EQ(where(graph, r, "d"), Residency::Streamed);
}

// Squeeze-excitation: the gate's sigmoid is broadcast over every pixel and the gated silu is read by every
// output-channel tile of the projection conv; both are kept (computed once per value), the silu they gate is
// recomputed by the pool and by the kept product, each reading it once per value.
TEST(Residency, KeepsSqueezeExcitationsGateAndGatedValues) {
  ir::Graph graph = ir::parseGraph(R"(graph g(%x: f32[1,32,28,28]) {
    %w1: f32[8,32,1,1] = constant splat<0.1>
    %w2: f32[32,8,1,1] = constant splat<0.1>
    %w3: f32[16,32,1,1] = constant splat<0.1>
    %a: f32[1,32,28,28] = silu(%x)
    %s: f32[1,32,1,1] = adaptive_avg_pool2d(%a) {output_size=[1,1]}
    %b: f32[1,8,1,1] = conv2d(%s, %w1)
    %c: f32[1,8,1,1] = silu(%b)
    %d: f32[1,32,1,1] = conv2d(%c, %w2)
    %e: f32[1,32,1,1] = sigmoid(%d)
    %f: f32[1,32,28,28] = mul(%e, %a)
    %p: f32[1,16,28,28] = conv2d(%f, %w3)
    %o: f32[1,16,1,1] = adaptive_avg_pool2d(%p) {output_size=[1,1]}
    return %o
  })");
  const Residencies r = firstOpsBlock(graph, 8);
  EXPECT_EQ(r.kept,
            (std::set<ir::ValueId>{graph.findValue("c"), graph.findValue("e"), graph.findValue("f")}));
  EXPECT_EQ(where(graph, r, "a"), Residency::Inlined);
  EXPECT_EQ(where(graph, r, "e"), Residency::Cached);
  EXPECT_EQ(where(graph, r, "f"), Residency::Streamed);
}

}  // namespace
}  // namespace kiln::fusion
