// The canonical graph passes, on small graphs with hand-computed results.
#include <cmath>

#include <gtest/gtest.h>

#include "ir/parser.h"
#include "ir/passes/passes.h"
#include "ir/verifier.h"

namespace kiln::ir {
namespace {

TEST(Passes, DeadCodeRemovesUnreadOpsAndConstants) {
  Graph g = parseGraph(R"(graph g(%x: f32[4]) {
    %unused: f32[4] = constant splat<1>
    %a: f32[4] = relu(%x)
    %dead: f32[4] = add(%a, %unused)
    %dead2: f32[4] = sigmoid(%dead)
    return %a
  })");
  EXPECT_EQ(eliminateDeadCode(g), 2);
  EXPECT_EQ(g.ops().size(), 1u);
  EXPECT_TRUE(g.constants().empty());
  EXPECT_TRUE(verify(g).empty());
}

TEST(Passes, IdentityChainsCollapse) {
  Graph g = parseGraph(R"(graph g(%x: f32[4]) {
    %a: f32[4] = dropout(%x) {p=0.2}
    %b: f32[4] = identity(%a)
    %c: f32[4] = relu(%b)
    %d: f32[4] = identity(%c)
    return %d
  })");
  EXPECT_EQ(removeIdentities(g), 3);
  ASSERT_EQ(g.ops().size(), 1u);
  EXPECT_EQ(g.ops()[0].inputs[0], g.findValue("x"));
  EXPECT_EQ(g.outputs()[0], g.findValue("c"));
  EXPECT_TRUE(verify(g).empty());
}

// A 1x1 conv with two output channels, then batch norm: the folded weights and bias follow from
// scale = gamma / sqrt(var + eps).
TEST(Passes, BatchNormFoldsIntoConvolution) {
  Graph g = parseGraph(R"(graph g(%x: f32[1,1,2,2]) {
    %w: f32[2,1,1,1] = constant dense<2, -1>
    %b: f32[2] = constant dense<0.5, 1>
    %gamma: f32[2] = constant dense<3, 0.5>
    %beta: f32[2] = constant dense<0.25, -2>
    %mean: f32[2] = constant dense<1, -1>
    %var: f32[2] = constant dense<4, 0.25>
    %c: f32[1,2,2,2] = conv2d(%x, %w, %b)
    %n: f32[1,2,2,2] = batch_norm(%c, %gamma, %beta, %mean, %var) {eps=0}
    %r: f32[1,2,2,2] = relu(%n)
    return %r
  })");
  EXPECT_EQ(foldBatchNorm(g), 1);
  eliminateDeadCode(g);
  ASSERT_EQ(g.ops().size(), 2u);
  const Op& conv = g.ops()[0];
  ASSERT_EQ(conv.kind, "conv2d");
  auto w = g.constant(conv.inputs[1]).f32();
  auto b = g.constant(conv.inputs[2]).f32();
  // channel 0: scale 3/2 -> w 3, b (0.5 - 1) * 1.5 + 0.25 = -0.5; channel 1: scale 0.5/0.5 = 1 -> w -1, b 2 -
  // 2 = 0
  EXPECT_FLOAT_EQ(w[0], 3.0f);
  EXPECT_FLOAT_EQ(w[1], -1.0f);
  EXPECT_FLOAT_EQ(b[0], -0.5f);
  EXPECT_FLOAT_EQ(b[1], 0.0f);
  EXPECT_EQ(g.ops()[1].inputs[0], conv.outputs[0]);
  EXPECT_EQ(g.constants().size(), 2u) << "the old weights and batch-norm parameters are gone";
  EXPECT_TRUE(verify(g).empty());
}

TEST(Passes, BatchNormStaysWhenTheConvOutputHasOtherReaders) {
  Graph g = parseGraph(R"(graph g(%x: f32[1,1,2,2]) {
    %w: f32[1,1,1,1] = constant dense<2>
    %p: f32[1] = constant dense<1>
    %c: f32[1,1,2,2] = conv2d(%x, %w)
    %n: f32[1,1,2,2] = batch_norm(%c, %p, %p, %p, %p)
    %s: f32[1,1,2,2] = add(%n, %c)
    return %s
  })");
  EXPECT_EQ(foldBatchNorm(g), 0);
  EXPECT_EQ(g.ops().size(), 3u);
}

TEST(Passes, ConstantFoldingEvaluatesConstantChains) {
  Graph g = parseGraph(R"(graph g(%x: f32[2,3]) {
    %w: f32[3,2] = constant dense<1, 2, 3, 4, 5, 6>
    %one: f32[] = constant dense<1>
    %wt: f32[2,3] = permute(%w) {dims=[1,0]}
    %w1: f32[2,3] = add(%wt, %one)
    %y: f32[2,3] = mul(%x, %w1)
    return %y
  })");
  EXPECT_EQ(foldConstants(g), 2);
  eliminateDeadCode(g);
  ASSERT_EQ(g.ops().size(), 1u);
  auto folded = g.constant(g.ops()[0].inputs[1]).f32();
  std::vector<float> expected = {2, 4, 6, 3, 5, 7};
  EXPECT_TRUE(std::equal(folded.begin(), folded.end(), expected.begin()));
}

TEST(Passes, CanonicalizeReportsEachPass) {
  Graph g = parseGraph(R"(graph g(%x: f32[1,1,2,2]) {
    %w: f32[1,1,1,1] = constant dense<2>
    %p: f32[1] = constant dense<1>
    %d: f32[1,1,2,2] = dropout(%x)
    %c: f32[1,1,2,2] = conv2d(%d, %w)
    %n: f32[1,1,2,2] = batch_norm(%c, %p, %p, %p, %p)
    return %n
  })");
  std::vector<PassReport> reports = canonicalize(g);
  ASSERT_EQ(reports.size(), 4u);
  EXPECT_EQ(reports[0].pass, "remove-identities");
  EXPECT_EQ(reports[0].changed, 1);
  EXPECT_EQ(reports[1].changed, 1);
  EXPECT_EQ(g.ops().size(), 1u);
}

}  // namespace
}  // namespace kiln::ir
