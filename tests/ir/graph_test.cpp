// Graph construction, types and the verifier.
#include <gtest/gtest.h>

#include <functional>

#include "ir/error.h"
#include "ir/graph.h"
#include "ir/verifier.h"

namespace kiln::ir {
namespace {

TEST(Types, ShapeParsingAndPrinting) {
  EXPECT_EQ(parseShape("1x3x224x224"), (Shape{1, 3, 224, 224}));
  EXPECT_EQ(parseShape("7"), (Shape{7}));
  EXPECT_FALSE(parseShape(""));
  EXPECT_FALSE(parseShape("1x0x3"));
  EXPECT_FALSE(parseShape("1x"));
  EXPECT_FALSE(parseShape("1xax3"));
  EXPECT_EQ(toString(TensorType{DType::Float32, {1, 10}}), "f32[1,10]");
  EXPECT_EQ(toString(TensorType{DType::Int64, {}}), "i64[]");
  EXPECT_EQ(TensorType({DType::Float16, {2, 3}}).bytes(), 12);
  EXPECT_EQ(parseDType("bf16"), DType::BFloat16);
}

TEST(Graph, BuildsTypedOpsAndNamesValues) {
  Graph g("tiny");
  ValueId x = g.addInput("x", {DType::Float32, {1, 3, 8, 8}});
  ValueId w = g.addConstant("w", Tensor::filled({4, 3, 3, 3}, 0.5f));
  ValueId y = g.addOp1("conv2d", {x, w}, {{"padding", std::vector<int64_t>{1, 1}}});
  ValueId z = g.addOp1("relu", {y});
  g.setOutputs({z});
  EXPECT_EQ(g.type(z), (TensorType{DType::Float32, {1, 4, 8, 8}}));
  EXPECT_EQ(g.ops()[0].attrs.getInt("groups"), 1) << "defaults are filled in";
  EXPECT_EQ(g.findValue("x"), x);
  EXPECT_TRUE(verify(g).empty());
}

TEST(Graph, RejectsBadOpsWithoutChangingTheGraph) {
  Graph g;
  ValueId x = g.addInput("x", {DType::Float32, {1, 3, 8, 8}});
  EXPECT_THROW(g.addOp1("conv3d", {x}), Error);
  EXPECT_THROW(g.addOp1("relu", {x}, {{"alpha", 1.0}}), Error);
  EXPECT_THROW(g.addOp1("reshape", {x}), Error) << "required attribute missing";
  EXPECT_THROW(g.addOp1("reshape", {x}, {{"shape", 1.0}}), Error) << "wrong attribute type";
  EXPECT_THROW(g.addOp1("add", {x}), Error) << "wrong input count";
  EXPECT_TRUE(g.ops().empty());
}

std::string errorOf(const std::function<void()>& build) {
  try {
    build();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

// Every tensor holds 1 to 2^40 elements and every integer attribute lies within +-2^40, so shape inference
// adds and multiplies sizes without overflow; a damaged model's sizes are refused with the op's name.
TEST(Graph, KeepsSizesWithinTwoToTheFortyElements) {
  Graph g;
  ValueId x = g.addInput("x", {DType::Float32, {2, 3}});
  const int64_t huge = int64_t{1} << 62, limit = int64_t{1} << 40;
  EXPECT_NE(errorOf([&] {
              g.addOp1("pad", {x}, {{"pads", std::vector<int64_t>{0, 0, 0, huge}}});
            }).find("pad: attribute 'pads' holds 4611686018427387904, beyond the 2^40"),
            std::string::npos);
  EXPECT_NE(errorOf([&] {
              g.addOp1("expand", {x}, {{"shape", std::vector<int64_t>{limit, 2, 3}}});
            }).find("expand: its output would be f32[1099511627776,2,3]; kiln's tensors hold 1 to 2^40"),
            std::string::npos);
  EXPECT_NE(errorOf([&] {
              g.addOp1("reshape", {x}, {{"shape", std::vector<int64_t>{limit, limit, limit}}});
            }).find("reshape: [1099511627776,1099511627776,1099511627776] holds more than 2^40 elements"),
            std::string::npos);
  EXPECT_NE(errorOf([&] {
              g.addConstant("empty", Tensor({3, 0}, {}));
            }).find("constant of type f32[3,0]: kiln's tensors hold 1 to 2^40 elements"),
            std::string::npos);
  EXPECT_TRUE(g.ops().empty());
}

TEST(Verifier, FindsUseBeforeDefinitionAndDoubleDefinition) {
  Graph g;
  ValueId x = g.addInput("x", {DType::Float32, {4}});
  ValueId a = g.addOp1("relu", {x});
  ValueId b = g.addOp1("sigmoid", {a});
  g.setOutputs({b});
  std::vector<Op> ops = g.ops();
  std::swap(ops[0], ops[1]);
  g.setOps(ops);
  auto problems = verify(g);
  ASSERT_FALSE(problems.empty());
  EXPECT_NE(problems[0].find("before it is defined"), std::string::npos) << problems[0];

  std::vector<Op> twice = {ops[1], ops[1]};
  g.setOps(twice);
  g.setOutputs({a});
  problems = verify(g);
  ASSERT_FALSE(problems.empty());
  EXPECT_NE(problems[0].find("defined more than once"), std::string::npos) << problems[0];
}

TEST(Verifier, FindsWrongRecordedTypesAndMissingOutputs) {
  Graph g;
  ValueId x = g.addInput("x", {DType::Float32, {4}});
  Op op{"relu", {x}, {}, {}, {}};
  g.addOpWithOutputs(op, {{"y", TensorType{DType::Float32, {5}}}});
  auto problems = verify(g);
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_NE(problems[0].find("shape inference gives f32[4]"), std::string::npos) << problems[0];
  EXPECT_EQ(problems[1], "the graph has no outputs");
  EXPECT_THROW(verifyOrThrow(g, "in a test"), Error);
}

TEST(UseIndex, RecordsProducersUsersAndOutputs) {
  Graph g;
  ValueId x = g.addInput("x", {DType::Float32, {4}});
  ValueId a = g.addOp1("relu", {x});
  ValueId b = g.addOp1("add", {a, a});
  g.setOutputs({b});
  UseIndex uses(g);
  EXPECT_EQ(uses.producer[a], 0);
  EXPECT_EQ(uses.producer[x], -1);
  EXPECT_EQ(uses.users[a], std::vector<int>{1}) << "an op reading a value twice counts once";
  EXPECT_TRUE(uses.is_graph_output[b]);
}

}  // namespace
}  // namespace kiln::ir
