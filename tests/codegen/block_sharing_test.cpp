// Identical blocks share one compiled function (codegen/block_signature.h): blocks that differ only in their
// weights call the same entry point, a block differing in an attribute or a layout gets its own, and the
// shared code computes each block with its own weights.
#include <fstream>
#include <random>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "codegen_test_support.h"
#include "runtime/artifact_format.h"

namespace kiln::testing {
namespace {

ir::ValueId randomConstant(ir::Graph& graph, const ir::Shape& shape, std::mt19937& rng) {
  int64_t count = 1;
  for (int64_t d : shape) count *= d;
  std::vector<float> data(count);
  std::normal_distribution<float> normal(0.0f, 0.2f);
  for (float& v : data) v = normal(rng);
  return graph.addConstant("w" + std::to_string(graph.numValues()), ir::Tensor(shape, std::move(data)));
}

// Five conv+hardtanh layers of the same shape, one block each: the first reads the model's row-major input
// and the last writes its row-major output; the second and third are identical but for their weights; the
// fourth clamps at 5 instead of 6.
ir::Graph fiveLayers() {
  ir::Graph graph("layers");
  std::mt19937 rng(3);
  ir::ValueId x = graph.addInput("x", {ir::DType::Float32, {1, 16, 9, 11}});
  for (double max_val : {6.0, 6.0, 6.0, 5.0, 6.0}) {
    const ir::ValueId conv = graph.addOp1(
        "conv2d", {x, randomConstant(graph, {16, 16, 3, 3}, rng), randomConstant(graph, {16}, rng)},
        {{"stride", std::vector<int64_t>{1, 1}},
         {"padding", std::vector<int64_t>{1, 1}},
         {"dilation", std::vector<int64_t>{1, 1}},
         {"groups", int64_t{1}}});
    x = graph.addOp1("hardtanh", {conv}, {{"min_val", 0.0}, {"max_val", max_val}});
  }
  graph.setOutputs({x});
  return graph;
}

nlohmann::json manifestBlocks(const std::filesystem::path& artifact) {
  std::ifstream in(artifact / artifact::kManifestFile);
  return nlohmann::json::parse(in).at("blocks");
}

fusion::Plan oneBlockPerLayer(const ir::Graph& graph) {
  fusion::Grouping grouping;
  for (size_t op = 0; op < graph.ops().size(); ++op) grouping.group_of_op.push_back(static_cast<int>(op / 2));
  return fusion::buildPlan(graph, "by hand", grouping, fusion::Machine{});
}

TEST(BlockSharing, IdenticalBlocksCallOneFunctionWithTheirOwnWeights) {
  const ir::Graph graph = fiveLayers();
  ScratchDir dir("block-sharing");
  compilePlan(graph, oneBlockPerLayer(graph), dir.path());
  std::vector<std::string> functions;
  for (const nlohmann::json& block : manifestBlocks(dir.path())) functions.push_back(block.at("function"));
  ASSERT_EQ(functions.size(), 5u);
  EXPECT_EQ(functions[2], functions[1]);
  EXPECT_NE(functions[1], functions[0]);  // reads the model input, row-major
  EXPECT_NE(functions[3], functions[1]);  // clamps at 5
  EXPECT_NE(functions[4], functions[1]);  // writes the model output, row-major

  const std::vector<at::Tensor> inputs = randomInputs(graph, 7);
  const std::vector<at::Tensor> expected = frontend::ReferenceExecutor(graph).run(inputs);
  runtime::Model model(dir.path());
  EXPECT_LE(errorToScale(runArtifact(model, inputs)[0], expected[0]), 1e-4);
}

TEST(BlockSharing, AnOverriddenConfigGetsItsOwnFunction) {
  const ir::Graph graph = fiveLayers();
  ScratchDir first("block-sharing-defaults");
  compilePlan(graph, oneBlockPerLayer(graph), first.path());
  codegen::ScheduleConfig config =
      codegen::ScheduleConfig::fromJson(manifestBlocks(first.path())[2].at("schedule"));
  ASSERT_TRUE(config.params.count("split")) << config.toString();
  config.params["split"] = 1 - config.params["split"];  // split output channels across threads, or not
  ScratchDir second("block-sharing-override");
  compilePlan(graph, oneBlockPerLayer(graph), second.path(), "host", codegen::ScheduleKind::Default,
              {{2, config}});
  const nlohmann::json blocks = manifestBlocks(second.path());
  EXPECT_NE(blocks[2].at("function"), blocks[1].at("function")) << config.toString();
}

}  // namespace
}  // namespace kiln::testing
