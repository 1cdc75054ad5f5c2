// Shape inference, FLOP count and mapping type of every op kind, against values worked out by hand.
#include <set>

#include <gtest/gtest.h>

#include "ir/error.h"
#include "ir/graph.h"
#include "ir/summary.h"

namespace kiln::ir {
namespace {

struct OpCase {
  std::string name;
  std::string kind;
  std::vector<Shape> inputs;
  Attributes attrs;
  std::vector<Shape> outputs;
  int64_t flops;
  MappingType mapping;
  std::vector<DType> input_dtypes = {};   // float32 where not given
  std::vector<DType> output_dtypes = {};  // float32 where not given
};

std::ostream& operator<<(std::ostream& os, const OpCase& c) {
  return os << c.name;
}

using Ints = std::vector<int64_t>;
constexpr auto k11 = MappingType::OneToOne;
constexpr auto k1M = MappingType::OneToMany;
constexpr auto kMM = MappingType::ManyToMany;

const OpCase kCases[] = {
    // 4x5 outputs per channel, 8 channels; each output: 3*3*3 MACs (2 FLOPs each) + 1 bias add.
    {"conv_strided_padded_bias",
     "conv2d",
     {{1, 3, 7, 9}, {8, 3, 3, 3}, {8}},
     {{"stride", Ints{2, 2}}, {"padding", Ints{1, 1}}},
     {{1, 8, 4, 5}},
     160 * 55,
     kMM},
    {"conv_depthwise",
     "conv2d",
     {{1, 4, 5, 5}, {4, 1, 3, 3}},
     {{"padding", Ints{1, 1}}, {"groups", int64_t{4}}},
     {{1, 4, 5, 5}},
     100 * 18,
     kMM},
    {"conv_dilated_rectangular",
     "conv2d",
     {{2, 2, 10, 11}, {3, 2, 3, 2}},
     {{"dilation", Ints{2, 3}}},
     {{2, 3, 6, 8}},
     2 * 3 * 6 * 8 * 2 * 12,
     kMM},
    {"conv_grouped",
     "conv2d",
     {{1, 6, 4, 4}, {9, 2, 1, 1}},
     {{"groups", int64_t{3}}},
     {{1, 9, 4, 4}},
     144 * 4,
     kMM},
    {"batch_norm", "batch_norm", {{2, 3, 4, 4}, {3}, {3}, {3}, {3}}, {}, {{2, 3, 4, 4}}, 96 * 2, k11},
    {"max_pool_floor",
     "max_pool2d",
     {{1, 2, 6, 6}},
     {{"kernel_size", Ints{3, 3}}, {"stride", Ints{2, 2}}},
     {{1, 2, 2, 2}},
     8 * 9,
     kMM},
    {"max_pool_ceil",
     "max_pool2d",
     {{1, 2, 6, 6}},
     {{"kernel_size", Ints{3, 3}}, {"stride", Ints{2, 2}}, {"ceil_mode", true}},
     {{1, 2, 3, 3}},
     18 * 9,
     kMM},
    // ceil_mode must not start a window in the right padding: (5 + 2*1 - 2 + 1) / 2 + 1 = 4, but the last
    // window would start at 6 >= 5 + 1, so 3.
    {"max_pool_ceil_padding_rule",
     "max_pool2d",
     {{1, 1, 5, 5}},
     {{"kernel_size", Ints{2, 2}}, {"stride", Ints{2, 2}}, {"padding", Ints{1, 1}}, {"ceil_mode", true}},
     {{1, 1, 3, 3}},
     9 * 4,
     kMM},
    {"max_pool_resnet_stem",
     "max_pool2d",
     {{1, 64, 112, 112}},
     {{"kernel_size", Ints{3, 3}}, {"stride", Ints{2, 2}}, {"padding", Ints{1, 1}}},
     {{1, 64, 56, 56}},
     64 * 56 * 56 * 9,
     kMM},
    {"avg_pool",
     "avg_pool2d",
     {{1, 3, 7, 7}},
     {{"kernel_size", Ints{2, 2}}, {"stride", Ints{2, 2}}},
     {{1, 3, 3, 3}},
     27 * 5,
     kMM},
    {"adaptive_avg_pool",
     "adaptive_avg_pool2d",
     {{1, 8, 7, 7}},
     {{"output_size", Ints{1, 1}}},
     {{1, 8, 1, 1}},
     392 + 8,
     kMM},
    {"adaptive_max_pool",
     "adaptive_max_pool2d",
     {{1, 2, 7, 5}},
     {{"output_size", Ints{3, 2}}},
     {{1, 2, 3, 2}},
     70 + 12,
     kMM},
    {"linear_bias", "linear", {{2, 5}, {3, 5}, {3}}, {}, {{2, 3}}, 6 * 11, kMM},
    {"linear_batched", "linear", {{2, 4, 5}, {3, 5}}, {}, {{2, 4, 3}}, 24 * 10, kMM},
    {"matmul_broadcast", "matmul", {{4, 2, 3}, {3, 5}}, {}, {{4, 2, 5}}, 40 * 6, kMM},
    {"matmul_vectors", "matmul", {{3}, {3}}, {}, {{}}, 6, kMM},
    {"add_same_shape", "add", {{2, 3}, {2, 3}}, {}, {{2, 3}}, 6, k11},
    {"add_broadcast", "add", {{2, 1, 4}, {3, 1}}, {}, {{2, 3, 4}}, 24, k1M},
    {"mul_scalar", "mul", {{2, 3}, {}}, {}, {{2, 3}}, 6, k11},
    {"mul_squeeze_excitation", "mul", {{1, 16, 7, 7}, {1, 16, 1, 1}}, {}, {{1, 16, 7, 7}}, 784, k1M},
    {"sub", "sub", {{4}, {4}}, {}, {{4}}, 4, k11},
    {"div", "div", {{4}, {1}}, {}, {{4}}, 4, k11},
    {"relu", "relu", {{2, 5}}, {}, {{2, 5}}, 10, k11},
    {"sigmoid", "sigmoid", {{2, 5}}, {}, {{2, 5}}, 40, k11},
    {"silu", "silu", {{2, 5}}, {}, {{2, 5}}, 50, k11},
    {"tanh", "tanh", {{2, 5}}, {}, {{2, 5}}, 10, k11},
    {"gelu", "gelu", {{2, 5}}, {{"approximate", std::string("tanh")}}, {{2, 5}}, 50, k11},
    {"hardswish", "hardswish", {{2, 5}}, {}, {{2, 5}}, 50, k11},
    {"hardsigmoid", "hardsigmoid", {{2, 5}}, {}, {{2, 5}}, 40, k11},
    {"relu6", "hardtanh", {{2, 5}}, {{"min_val", 0.0}, {"max_val", 6.0}}, {{2, 5}}, 20, k11},
    {"abs", "abs", {{2, 5}}, {}, {{2, 5}}, 10, k11},
    {"neg", "neg", {{2, 5}}, {}, {{2, 5}}, 10, k11},
    {"exp", "exp", {{2, 5}}, {}, {{2, 5}}, 10, k11},
    {"log", "log", {{2, 5}}, {}, {{2, 5}}, 10, k11},
    {"log1p", "log1p", {{2, 5}}, {}, {{2, 5}}, 20, k11},
    {"sqrt", "sqrt", {{2, 5}}, {}, {{2, 5}}, 10, k11},
    {"rsqrt", "rsqrt", {{2, 5}}, {}, {{2, 5}}, 20, k11},
    {"reciprocal", "reciprocal", {{2, 5}}, {}, {{2, 5}}, 10, k11},
    {"erf", "erf", {{2, 5}}, {}, {{2, 5}}, 10, k11},
    {"sign", "sign", {{2, 5}}, {}, {{2, 5}}, 10, k11},
    {"floor", "floor", {{2, 5}}, {}, {{2, 5}}, 10, k11},
    {"ceil", "ceil", {{2, 5}}, {}, {{2, 5}}, 10, k11},
    {"round", "round", {{2, 5}}, {}, {{2, 5}}, 10, k11},
    {"trunc", "trunc", {{2, 5}}, {}, {{2, 5}}, 10, k11},
    {"softplus", "softplus", {{2, 5}}, {}, {{2, 5}}, 40, k11},
    {"mish", "mish", {{2, 5}}, {}, {{2, 5}}, 60, k11},
    {"selu", "elu", {{2, 5}}, {{"alpha", 1.67}, {"scale", 1.05}}, {{2, 5}}, 40, k11},
    {"leaky_relu", "leaky_relu", {{2, 5}}, {}, {{2, 5}}, 20, k11},
    {"log_sigmoid", "log_sigmoid", {{2, 5}}, {}, {{2, 5}}, 40, k11},
    {"square", "pow", {{2, 5}}, {{"exponent", 2.0}}, {{2, 5}}, 10, k11},
    {"maximum", "maximum", {{2, 1}, {3}}, {}, {{2, 3}}, 6, k1M},
    {"minimum", "minimum", {{3}, {3}}, {}, {{3}}, 3, k11},
    {"reshape_infer", "reshape", {{2, 3, 4}}, {{"shape", Ints{4, -1}}}, {{4, 6}}, 0, MappingType::Reorganize},
    {"permute", "permute", {{2, 3, 4}}, {{"dims", Ints{2, 0, 1}}}, {{4, 2, 3}}, 0, MappingType::Shuffle},
    {"cat", "cat", {{1, 2, 3}, {1, 5, 3}}, {{"dim", int64_t{1}}}, {{1, 7, 3}}, 0, k11},
    {"split",
     "split",
     {{1, 6, 2}},
     {{"dim", int64_t{-2}}, {"sizes", Ints{2, 4}}},
     {{1, 2, 2}, {1, 4, 2}},
     0,
     k11},
    {"slice_step",
     "slice",
     {{2, 9, 3}},
     {{"dim", int64_t{-2}}, {"start", int64_t{1}}, {"end", int64_t{8}}, {"step", int64_t{3}}},
     {{2, 3, 3}},
     0,
     k11},
    {"resize_bilinear",
     "resize",
     {{1, 2, 3, 4}},
     {{"size", Ints{6, 8}}, {"mode", std::string("bilinear")}},
     {{1, 2, 6, 8}},
     6 * 96,
     MappingType::OneToMany},
    {"expand", "expand", {{3, 1}}, {{"shape", Ints{2, 3, 4}}}, {{2, 3, 4}}, 0, k1M},
    {"softmax", "softmax", {{2, 10}}, {{"dim", int64_t{-1}}}, {{2, 10}}, 100, kMM},
    {"layer_norm",
     "layer_norm",
     {{2, 3, 8}, {8}, {8}},
     {{"normalized_shape", Ints{8}}},
     {{2, 3, 8}},
     48 * 8,
     kMM},
    {"mean_keepdim", "mean", {{2, 3, 4}}, {{"dims", Ints{-1}}, {"keepdim", true}}, {{2, 3, 1}}, 24 + 6, kMM},
    {"mean_all", "mean", {{2, 3}}, {{"dims", Ints{0, 1}}}, {{}}, 6 + 1, kMM},
    {"sum", "sum", {{2, 3, 4}}, {{"dims", Ints{0, 2}}}, {{3}}, 24, kMM},
    {"amax", "amax", {{2, 3}}, {{"dims", Ints{1}}, {"keepdim", true}}, {{2, 1}}, 6, kMM},
    {"amin", "amin", {{5}}, {{"dims", Ints{0}}}, {{}}, 5, kMM},
    {"pad_constant",
     "pad",
     {{2, 3, 4}},
     {{"pads", Ints{0, 0, 1, 2, -1, 1}}, {"value", 1.5}},
     {{2, 6, 4}},
     0,
     k11},
    {"pad_reflect",
     "pad",
     {{3, 4}},
     {{"pads", Ints{2, 0, 1, 3}}, {"mode", std::string("reflect")}},
     {{5, 8}},
     0,
     k1M},
    {"flip", "flip", {{2, 3}}, {{"dims", Ints{-1}}}, {{2, 3}}, 0, MappingType::Shuffle},
    {"dropout", "dropout", {{3}}, {}, {{3}}, 0, k11},
    {"eq_broadcast", "eq", {{2, 3}, {3}}, {}, {{2, 3}}, 6, k1M, {}, {DType::Bool}},
    {"ne", "ne", {{4}, {4}}, {}, {{4}}, 4, k11, {}, {DType::Bool}},
    {"lt_scalar", "lt", {{4}, {}}, {}, {{4}}, 4, k11, {}, {DType::Bool}},
    {"le", "le", {{4}, {4}}, {}, {{4}}, 4, k11, {}, {DType::Bool}},
    {"gt", "gt", {{4}, {4}}, {}, {{4}}, 4, k11, {}, {DType::Bool}},
    {"ge", "ge", {{4}, {4}}, {}, {{4}}, 4, k11, {}, {DType::Bool}},
    {"logical_and",
     "logical_and",
     {{2, 3}, {2, 3}},
     {},
     {{2, 3}},
     6,
     k11,
     {DType::Bool, DType::Bool},
     {DType::Bool}},
    {"logical_or",
     "logical_or",
     {{2, 3}, {3}},
     {},
     {{2, 3}},
     6,
     k1M,
     {DType::Bool, DType::Bool},
     {DType::Bool}},
    {"logical_xor", "logical_xor", {{3}, {3}}, {}, {{3}}, 3, k11, {DType::Bool, DType::Bool}, {DType::Bool}},
    {"logical_not", "logical_not", {{5}}, {}, {{5}}, 5, k11, {DType::Bool}, {DType::Bool}},
    {"where_masked_fill",
     "where",
     {{2, 1}, {2, 3}, {}},
     {},
     {{2, 3}},
     6,
     k1M,
     {DType::Bool, DType::Float32, DType::Float32}},
    {"cast_to_i64", "cast", {{2, 3}}, {{"dtype", std::string("i64")}}, {{2, 3}}, 0, k11, {}, {DType::Int64}},
    {"cast_bool_to_f32", "cast", {{2}}, {{"dtype", std::string("f32")}}, {{2}}, 0, k11, {DType::Bool}},
    {"argmax", "argmax", {{2, 3, 4}}, {{"dim", int64_t{1}}}, {{2, 4}}, 48, kMM, {}, {DType::Int64}},
    {"argmin_keepdim",
     "argmin",
     {{2, 3, 4}},
     {{"dim", int64_t{-1}}, {"keepdim", true}},
     {{2, 3, 1}},
     48,
     kMM,
     {},
     {DType::Int64}},
    {"topk",
     "topk",
     {{2, 7}},
     {{"k", int64_t{3}}},
     {{2, 3}, {2, 3}},
     14 * 7 + 2 * 6 * 7,
     kMM,
     {},
     {DType::Float32, DType::Int64}},
    {"gather",
     "gather",
     {{3, 4}, {2, 4}},
     {{"dim", int64_t{0}}},
     {{2, 4}},
     0,
     kMM,
     {DType::Float32, DType::Int64}},
    {"embedding", "embedding", {{10, 4}, {2, 3}}, {}, {{2, 3, 4}}, 0, kMM, {DType::Float32, DType::Int64}},
    {"identity", "identity", {{3}}, {}, {{3}}, 0, k11},
};

class OpShapeAndCost : public ::testing::TestWithParam<OpCase> {};

TEST_P(OpShapeAndCost, MatchesHandComputedValues) {
  const OpCase& c = GetParam();
  Graph g;
  std::vector<ValueId> inputs;
  int64_t in_bytes = 0, out_bytes = 0;
  for (size_t i = 0; i < c.inputs.size(); ++i) {
    const DType dtype = i < c.input_dtypes.size() ? c.input_dtypes[i] : DType::Float32;
    inputs.push_back(g.addInput("in" + std::to_string(i), {dtype, c.inputs[i]}));
    in_bytes += dtypeSize(dtype) * numElements(c.inputs[i]);
  }
  std::vector<ValueId> outs = g.addOp(c.kind, inputs, c.attrs);
  ASSERT_EQ(outs.size(), c.outputs.size());
  for (size_t i = 0; i < outs.size(); ++i) {
    const DType dtype = i < c.output_dtypes.size() ? c.output_dtypes[i] : DType::Float32;
    EXPECT_EQ(g.type(outs[i]), (TensorType{dtype, c.outputs[i]})) << "output " << i;
    out_bytes += dtypeSize(dtype) * numElements(c.outputs[i]);
  }
  OpCost cost = opCost(g, g.ops()[0]);
  EXPECT_EQ(cost.flops, c.flops);
  EXPECT_EQ(cost.bytes_read, in_bytes);
  EXPECT_EQ(cost.bytes_written, out_bytes);
  EXPECT_EQ(mappingOf(g, g.ops()[0]), c.mapping) << mappingTypeName(mappingOf(g, g.ops()[0]));
}

INSTANTIATE_TEST_SUITE_P(AllKinds, OpShapeAndCost, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return info.param.name; });

TEST(OpShapeAndCost, EveryRegisteredKindHasACase) {
  std::set<std::string> covered;
  for (const OpCase& c : kCases) covered.insert(c.kind);
  for (const OpDef& def : OpRegistry::global().all()) EXPECT_TRUE(covered.count(def.kind)) << def.kind;
}

struct BadOp {
  std::string kind;
  std::vector<Shape> inputs;
  Attributes attrs;
  std::string message;  // a fragment the error must contain
};

TEST(OpShapeAndCost, BadShapesAndAttributesGiveClearErrors) {
  const BadOp cases[] = {
      {"conv2d", {{1, 3, 8, 8}, {4, 2, 3, 3}}, {}, "expects 2 input channels per group"},
      {"conv2d", {{1, 6, 8, 8}, {4, 2, 3, 3}}, {{"groups", int64_t{4}}}, "groups = 4 must divide"},
      {"conv2d", {{1, 3, 2, 2}, {4, 3, 3, 3}}, {}, "larger than the padded input"},
      {"conv2d",
       {{1, 3, 8, 8}, {4, 3, 3, 3}},
       {{"stride", Ints{0, 1}}},
       "stride must be two positive integers"},
      {"conv2d", {{1, 3, 8}, {4, 3, 3, 3}}, {}, "input must have rank 4"},
      {"add", {{2, 3}, {4}}, {}, "do not broadcast"},
      {"reshape", {{2, 3}}, {{"shape", Ints{4, 2}}}, "has 8 elements, the input has 6"},
      {"reshape", {{2, 3}}, {{"shape", Ints{-1, -1}}}, "only one dimension may be -1"},
      {"permute", {{2, 3}}, {{"dims", Ints{0, 0}}}, "is not a permutation"},
      {"cat", {{1, 2}, {2, 2}}, {{"dim", int64_t{1}}}, "does not match"},
      {"split", {{4}}, {{"sizes", Ints{1, 2}}}, "must add up"},
      {"slice", {{4}}, {{"start", int64_t{3}}, {"end", int64_t{3}}}, "0 <= start < end <= size"},
      {"slice", {{4}}, {{"end", int64_t{4}}, {"step", int64_t{0}}}, "step must be at least 1"},
      {"expand", {{3, 2}}, {{"shape", Ints{3, 4}}}, "cannot expand [3,2] to [3,4]"},
      {"softmax", {{4}}, {{"dim", int64_t{1}}}, "out of range"},
      {"linear", {{2, 4}, {3, 5}}, {}, "does not match weight"},
      {"matmul", {{2, 3}, {4, 2}}, {}, "inner dimensions differ"},
      {"max_pool2d",
       {{1, 1, 4, 4}},
       {{"kernel_size", Ints{2, 2}}, {"stride", Ints{2, 2}}, {"padding", Ints{2, 2}}},
       "more than half the kernel"},
      {"batch_norm", {{1, 3, 2, 2}, {3}, {3}, {4}, {3}}, {}, "running_mean must be [3]"},
      {"layer_norm", {{2, 8}}, {{"normalized_shape", Ints{4}}}, "is not a suffix"},
      {"gelu", {{2}}, {{"approximate", std::string("fast")}}, "approximate must be"},
      {"sum", {{2, 3}}, {{"dims", Ints{1, -1}}}, "listed twice"},
      {"pad",
       {{3}},
       {{"pads", Ints{3, 0}}, {"mode", std::string("reflect")}},
       "must be smaller than its size 3"},
      {"pad", {{3}}, {{"pads", Ints{-2, -1}}}, "would have size 0"},
      {"pad", {{3, 2}}, {{"pads", Ints{1, 1}}}, "2 values per dimension (4)"},
      {"pad", {{3}}, {{"pads", Ints{1, 1}}, {"mode", std::string("wrap")}}, "mode must be constant"},
      {"flip", {{3}}, {{"dims", Ints{1}}}, "out of range"},
      {"where", {{2}, {2}, {2}}, {}, "the condition is f32[2]; it must be bool"},
      {"cast", {{2}}, {{"dtype", std::string("f16")}}, "'f16' is not one of f32, i64, bool"},
      {"gather", {{2, 3}, {2, 3}}, {{"dim", int64_t{0}}}, "takes f32 values and i64 indices"},
      {"embedding", {{4, 2}, {3}}, {}, "takes an f32 [num_embeddings, dim] table and i64 indices"},
      {"logical_not", {{2}}, {}, "input 0 is f32[2]; the kind takes bool"},
      {"argmax", {{2, 3}}, {{"dim", int64_t{2}}}, "out of range"},
      {"topk", {{2, 3}}, {{"k", int64_t{4}}}, "k = 4 must be between 1 and the size 3 of dimension 1"},
  };
  for (const BadOp& c : cases) {
    Graph g;
    std::vector<ValueId> inputs;
    for (size_t i = 0; i < c.inputs.size(); ++i)
      inputs.push_back(g.addInput("in" + std::to_string(i), {DType::Float32, c.inputs[i]}));
    try {
      g.addOp(c.kind, inputs, c.attrs);
      ADD_FAILURE() << c.kind << " accepted bad input; expected: " << c.message;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(c.message), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace kiln::ir
