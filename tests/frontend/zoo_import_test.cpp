// Every zoo model, traced and scripted, imports into IR that verifies and that — evaluated op by op with
// ATen — computes what the TorchScript module computes, before and after the canonical passes.
#include <cstdio>
#include <set>

#include <gtest/gtest.h>
#include <torch/script.h>

#include "frontend/reference_executor.h"
#include "frontend/torchscript_importer.h"
#include "ir/passes/passes.h"
#include "ir/summary.h"
#include "ir/verifier.h"
#include "tests/frontend/zoo_test_support.h"

namespace kiln::frontend {
namespace {

using kiln::testing::scaledMaxError;
using kiln::testing::zooModel;

// Tolerance of the issue: max abs error at most 1e-5 of the output's scale.
constexpr double kImportTolerance = 1e-5;

// Runs the TorchScript module and the reference executor on the imported and the canonical graph, on random
// inputs of the stored shape, and checks both against the module.
void expectMatchesTorchScript(const std::string& name, const ir::Graph& imported,
                              const ir::Graph& canonical) {
  torch::jit::Module module = torch::jit::load(zooModel(name));
  module.eval();
  ReferenceExecutor raw(imported), folded(canonical);
  for (int seed : {1, 2}) {
    at::manual_seed(seed);
    const ir::TensorType& type = imported.type(imported.inputs()[0]);
    // Token ids: 0 (padding) and 1, valid for every vocabulary.
    const at::Tensor input = type.dtype == ir::DType::Int64
                                 ? at::randint(0, 2, type.shape, at::TensorOptions(at::kLong))
                                 : at::randn(type.shape);
    std::vector<at::Tensor> expected;
    {
      at::NoGradGuard no_grad;
      const c10::IValue result = module.forward({input});
      if (result.isTuple())
        for (const c10::IValue& item : result.toTuple()->elements()) expected.push_back(item.toTensor());
      else
        expected.push_back(result.toTensor());
    }
    const std::vector<at::Tensor> before = raw.run({input}), after = folded.run({input});
    ASSERT_EQ(before.size(), expected.size());
    for (size_t o = 0; o < expected.size(); ++o) {
      ASSERT_EQ(before[o].sizes(), expected[o].sizes());
      EXPECT_EQ(before[o].scalar_type(), expected[o].scalar_type()) << "output " << o;
      double error_before = scaledMaxError(before[o], expected[o]),
             error_after = scaledMaxError(after[o], expected[o]);
      std::printf("%s seed %d output %zu: max |error| / max |output| = %.2e imported, %.2e after passes\n",
                  name.c_str(), seed, o, error_before, error_after);
      EXPECT_LE(error_before, kImportTolerance) << "imported IR, seed " << seed << ", output " << o;
      EXPECT_LE(error_after, kImportTolerance) << "after passes, seed " << seed << ", output " << o;
    }
  }
}

class ZooImport : public ::testing::TestWithParam<std::string> {};

TEST_P(ZooImport, MatchesTorchScriptBeforeAndAfterPasses) {
  ir::Graph imported = importTorchScript(zooModel(GetParam()));
  ASSERT_TRUE(ir::verify(imported).empty());
  ir::Graph canonical = imported;
  ir::canonicalize(canonical);
  EXPECT_LT(canonical.ops().size(), imported.ops().size()) << "batch norm folds away in every zoo model";
  for (const ir::Op& op : canonical.ops()) EXPECT_NE(op.kind, "batch_norm");
  expectMatchesTorchScript(GetParam(), imported, canonical);
}

INSTANTIATE_TEST_SUITE_P(Zoo, ZooImport,
                         ::testing::Values("lenet5_traced", "lenet5_scripted", "resnet18_traced",
                                           "resnet18_scripted", "resnet34_traced", "resnet34_scripted",
                                           "resnet50_traced", "resnet50_scripted", "mobilenet_v2_traced",
                                           "mobilenet_v2_scripted", "efficientnet_b0_traced",
                                           "efficientnet_b0_scripted"),
                         [](const auto& info) { return info.param; });

// A fixture model, traced and scripted, imports into IR holding every one of `kinds` and computes what the
// module computes.
void expectFixtureImports(const std::string& model, const std::vector<std::string>& kinds) {
  for (const std::string& name : {model + "_traced", model + "_scripted"}) {
    SCOPED_TRACE(name);
    ir::Graph imported = importTorchScript(zooModel(name));
    ir::Graph canonical = imported;
    ir::canonicalize(canonical);
    std::set<std::string> found;
    for (const ir::Op& op : imported.ops()) found.insert(op.kind);
    for (const std::string& kind : kinds) EXPECT_TRUE(found.count(kind)) << kind;
    expectMatchesTorchScript(name, imported, canonical);
  }
}

// The lowerings the classifiers above do not reach, on odd sizes (2x4x17x19, groups, dilation, ceil_mode).
TEST(ZooImport, OpCoverageModelMatchesTorchScript) {
  expectFixtureImports(
      "op_coverage",
      {"hardswish",  "hardsigmoid", "gelu",    "hardtanh", "avg_pool2d", "split",    "cat",     "layer_norm",
       "softmax",    "matmul",      "permute", "mean",     "silu",       "linear",   "dropout", "resize",
       "leaky_relu", "elu",         "abs",     "exp",      "pow",        "softplus", "sqrt",    "rsqrt",
       "mish",       "maximum",     "minimum", "erf",      "neg",        "round"});
}

// Reductions, padding, flips, 1-D and transposed convolutions, group norm, einsum and the other
// decompositions of the second op-coverage fixture (2x6x5x7).
TEST(ZooImport, MoreOpCoverageModelMatchesTorchScript) {
  expectFixtureImports("more_op_coverage",
                       {"pad",    "flip",    "sum",    "amax",       "amin",   "adaptive_max_pool2d",
                        "trunc",  "floor",   "conv2d", "layer_norm", "matmul", "linear",
                        "relu",   "minimum", "sqrt",   "abs",        "log",    "exp",
                        "expand", "permute"});
}

// LSTM, GRU and RNN layers unrolled over 9 steps (traced: the aten::lstm/gru/rnn_relu nodes; scripted: the
// same behind nn.LSTM's Python checks and zero initial states).
TEST(ZooImport, RecurrentModelMatchesTorchScript) {
  expectFixtureImports("recurrent", {"linear", "split", "sigmoid", "tanh", "relu", "cat"});
}

// Run-time int64 and bool tensors: masks from comparisons, where, argmax and max's indices feeding gather,
// index_select and an embedding; an int64 and a bool output.
TEST(ZooImport, MasksAndIndicesModelMatchesTorchScript) {
  expectFixtureImports("masks_and_indices", {"gt", "ge", "lt", "le", "eq", "ne", "logical_and", "logical_or",
                                             "logical_xor", "logical_not", "where", "cast", "argmax",
                                             "argmin", "gather", "embedding", "amax", "topk"});
}

// Token ids in: an embedding, a padding mask from the ids, an encoder layer skipping padded keys, masked
// pooling and an argmax out (an int64 input, a float and an int64 output).
TEST(ZooImport, TokenEncoderModelMatchesTorchScript) {
  expectFixtureImports("token_encoder",
                       {"embedding", "eq", "logical_not", "cast", "where", "argmax", "matmul"});
}

// Attention, transformer encoder layers and the slicing around them (traced: sizes as integer tensors;
// scripted: nn.MultiheadAttention's Python path with its tuples, Optional arguments and checks).
TEST(ZooImport, TransformerModelMatchesTorchScript) {
  expectFixtureImports("transformer",
                       {"slice", "expand", "cat", "linear", "matmul", "softmax", "layer_norm", "relu"});
}

struct PublishedMacs {
  const char* model;
  double giga_macs;
};

// Multiply-adds of conv and linear ops at 224x224 against the published counts (torchvision's model cards and
// the papers), within 2%.
TEST(ZooImport, MultiplyAddsMatchPublishedCounts) {
  const PublishedMacs published[] = {{"resnet18_traced", 1.81},
                                     {"resnet50_traced", 4.09},
                                     {"mobilenet_v2_traced", 0.30},
                                     {"efficientnet_b0_traced", 0.39}};
  for (const auto& p : published) {
    ir::GraphSummary summary = ir::summarize(importTorchScript(zooModel(p.model)));
    double giga = static_cast<double>(summary.macs) / 1e9;
    EXPECT_NEAR(giga / p.giga_macs, 1.0, 0.02) << p.model << ": " << giga << " G multiply-adds";
  }
}

TEST(ZooImport, ExplicitInputShapesOverrideTheStoredOne) {
  ImportOptions options;
  options.input_shapes = {{2, 3, 96, 128}};
  ir::Graph graph = importTorchScript(zooModel("resnet18_scripted"), options);
  EXPECT_EQ(graph.type(graph.inputs()[0]).shape, (ir::Shape{2, 3, 96, 128}));
  EXPECT_EQ(graph.type(graph.outputs()[0]).shape, (ir::Shape{2, 1000}));
}

}  // namespace
}  // namespace kiln::frontend
