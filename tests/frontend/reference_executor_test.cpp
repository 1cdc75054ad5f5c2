// The reference executor on hand-written IR with known results, and batch-norm folding checked numerically
// against ATen on random parameters (odd sizes, groups, stride, padding).
#include <gtest/gtest.h>

#include "frontend/aten_tensors.h"
#include "frontend/reference_executor.h"
#include "ir/error.h"
#include "ir/parser.h"
#include "ir/passes/passes.h"
#include "tests/frontend/zoo_test_support.h"

namespace kiln::frontend {
namespace {

TEST(ReferenceExecutor, EvaluatesHandWrittenGraphs) {
  ir::Graph g = ir::parseGraph(R"(graph g(%x: f32[1,1,2,3]) {
    %w: f32[2,1,1,1] = constant dense<2, -1>
    %c: f32[1,2,2,3] = conv2d(%x, %w)
    %r: f32[1,2,2,3] = relu(%c)
    %p: f32[1,2,1,1] = adaptive_avg_pool2d(%r) {output_size=[1,1]}
    %f: f32[1,2] = reshape(%p) {shape=[1,-1]}
    return %f
  })");
  at::Tensor x = at::arange(-2, 4, at::kFloat).reshape({1, 1, 2, 3});  // -2 -1 0 1 2 3
  at::Tensor y = ReferenceExecutor(g).run({x})[0];
  // channel 0: relu(2x) = 0 0 0 2 4 6 -> mean 2; channel 1: relu(-x) = 2 1 0 0 0 0 -> mean 0.5
  EXPECT_TRUE(at::allclose(y, at::tensor({2.0f, 0.5f}).reshape({1, 2}))) << y;
}

TEST(ReferenceExecutor, RejectsInputsOfTheWrongShape) {
  ir::Graph g = ir::parseGraph("graph g(%x: f32[2,3]) {\n %y: f32[2,3] = relu(%x)\n return %y\n}");
  ReferenceExecutor executor(g);
  EXPECT_THROW(executor.run({at::zeros({3, 2})}), Error);
  EXPECT_THROW(executor.run({}), Error);
}

TEST(ReferenceExecutor, BatchNormFoldingPreservesResults) {
  at::manual_seed(7);
  struct Conv {
    int64_t in, out, kernel, stride, padding, groups;
  };
  for (const Conv& c : {Conv{3, 5, 3, 1, 1, 1}, Conv{6, 9, 5, 2, 2, 3}, Conv{7, 7, 3, 2, 0, 7}}) {
    ir::Graph g("bn");
    ir::ValueId x = g.addInput("x", {ir::DType::Float32, {2, c.in, 13, 11}});
    auto constant = [&](const char* name, at::Tensor t) { return g.addConstant(name, toIrTensor(t, name)); };
    ir::ValueId w = constant("w", at::randn({c.out, c.in / c.groups, c.kernel, c.kernel}));
    ir::ValueId conv = g.addOp1("conv2d", {x, w},
                                {{"stride", std::vector<int64_t>{c.stride, c.stride}},
                                 {"padding", std::vector<int64_t>{c.padding, c.padding}},
                                 {"groups", c.groups}});
    ir::ValueId bn = g.addOp1(
        "batch_norm", {conv, constant("gamma", at::rand({c.out}) + 0.5), constant("beta", at::randn({c.out})),
                       constant("mean", at::randn({c.out})), constant("var", at::rand({c.out}) + 0.5)});
    g.setOutputs({bn});
    ir::Graph folded = g;
    ir::canonicalize(folded);
    ASSERT_EQ(folded.ops().size(), 1u);
    at::Tensor input = at::randn({2, c.in, 13, 11});
    at::Tensor expected = ReferenceExecutor(g).run({input})[0];
    EXPECT_LE(kiln::testing::scaledMaxError(ReferenceExecutor(folded).run({input})[0], expected), 1e-5);
  }
}

}  // namespace
}  // namespace kiln::frontend
