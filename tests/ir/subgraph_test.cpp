// ir::extractOps: a block cut out of a graph reads what it read, returns what others read, and prints the
// same wherever the same computation sits.
#include <gtest/gtest.h>

#include "ir/error.h"
#include "ir/parser.h"
#include "ir/printer.h"
#include "ir/subgraph.h"
#include "ir/verifier.h"

namespace kiln::ir {
namespace {

// Two identical conv + relu layers, a residual add reading the first layer's output, and a pool.
const char* kTwoLayers = R"(graph two(%x: f32[1,8,10,10]) {
    %w1: f32[8,8,3,3] = constant splat<0.1>
    %w2: f32[8,8,3,3] = constant splat<0.2>
    %c1: f32[1,8,10,10] = conv2d(%x, %w1) {padding=[1,1]}
    %r1: f32[1,8,10,10] = relu(%c1)
    %c2: f32[1,8,10,10] = conv2d(%r1, %w2) {padding=[1,1]}
    %r2: f32[1,8,10,10] = relu(%c2)
    %s: f32[1,8,10,10] = add(%r1, %r2)
    %p: f32[1,8,5,5] = max_pool2d(%s) {kernel_size=[2,2], stride=[2,2]}
    return %p
  })";

TEST(ExtractOps, ReadsOutsideValuesAsInputsAndReturnsWhatOthersRead) {
  const Graph graph = parseGraph(kTwoLayers);
  const UseIndex uses(graph);
  const Graph block = extractOps(graph, uses, {0, 1});  // conv1 + relu1; add reads r1 too, c1 stays inside
  EXPECT_TRUE(verify(block).empty());
  ASSERT_EQ(block.inputs().size(), 1u);
  EXPECT_EQ(block.type(block.inputs()[0]), graph.type(graph.findValue("x")));
  EXPECT_EQ(block.constants().size(), 1u);
  ASSERT_EQ(block.outputs().size(), 1u);
  EXPECT_EQ(block.ops()[block.ops().size() - 1].outputs[0], block.outputs()[0]);

  const Graph tail = extractOps(graph, uses, {4, 5});  // add + pool: two inputs, the graph's output
  EXPECT_EQ(tail.inputs().size(), 2u);
  EXPECT_EQ(tail.outputs().size(), 1u);
}

TEST(ExtractOps, TheSameComputationPrintsTheSameWhereverItSits) {
  const Graph graph = parseGraph(kTwoLayers);
  const UseIndex uses(graph);
  EXPECT_EQ(printGraph(extractOps(graph, uses, {0, 1})), printGraph(extractOps(graph, uses, {2, 3})))
      << "weights' values are not part of the signature";
  EXPECT_NE(printGraph(extractOps(graph, uses, {0, 1})), printGraph(extractOps(graph, uses, {0})));
}

TEST(ExtractOps, RefusesIndicesOutOfOrderOrRange) {
  const Graph graph = parseGraph(kTwoLayers);
  const UseIndex uses(graph);
  EXPECT_THROW(extractOps(graph, uses, {1, 0}), Error);
  EXPECT_THROW(extractOps(graph, uses, {0, 0}), Error);
  EXPECT_THROW(extractOps(graph, uses, {6}), Error);
}

}  // namespace
}  // namespace kiln::ir
