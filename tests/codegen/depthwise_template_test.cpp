// The depthwise template (cpu_templates.cpp) and the depthwise register tile (cpu_schedule.h) on the
// depthwise convs mobile networks have and on ones they do not: 3x3 and 5x5 windows, stride 1 and 2, channel
// multipliers 1 and 2, channel counts no vector divides, odd and unequal sizes, 1x1 and 7x7 images, rows
// wider than 32 pixels, batch 2. Each conv alone, then streamed per strip inside an inverted residual (expand
// 1x1 + relu6 + depthwise + relu6 + project 1x1, MobileNetV2's block, one fused block; with silu,
// EfficientNet's, whose expand activation fusion keeps), on every CPU target this machine runs or emulates,
// against ATen.
#include <fstream>
#include <random>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "codegen/cpu_schedule.h"
#include "codegen/placement.h"
#include "codegen/target.h"
#include "codegen_test_support.h"
#include "ir/printer.h"
#include "runtime/artifact_format.h"
#include "validation/artifact_executor.h"

namespace kiln::testing {
namespace {

struct DepthwiseShape {
  int64_t batch, channels, height, width, multiplier, kernel, stride;
};

const DepthwiseShape kDepthwise[] = {
    {1, 24, 13, 11, 1, 3, 1},  // channels no 16-lane vector divides, unequal odd sizes
    {2, 40, 15, 15, 1, 3, 2},  // stride 2 over odd rows, batch 2
    {1, 36, 7, 7, 1, 5, 1},    // 5x5 on a 7x7 image: most taps in the border
    {1, 72, 14, 13, 1, 5, 2},  // 5x5 stride 2 (EfficientNet-B0's), odd width
    {1, 16, 9, 9, 2, 3, 1},    // channel multiplier 2
    {1, 20, 11, 11, 2, 5, 2},  // multiplier 2, 5x5 stride 2
    {1, 32, 1, 1, 1, 3, 1},    // 1x1 image: every tap but the centre is padding
    {1, 96, 7, 7, 1, 3, 1},    // a late MobileNetV2 layer's 7x7
    {1, 40, 34, 35, 1, 3, 1},  // rows wider than 32 pixels
    {1, 48, 14, 14, 1, 5, 1},  // 5x5 on 14x14 (EfficientNet-B0's): one register tile per row on avx512
    {1, 40, 9, 17, 1, 5, 1},   // 5x5 on an odd row of 17
    {1, 24, 28, 28, 1, 5, 1},  // 5x5 on 28x28: rows wider than the accumulators
};

// Pixels per output row: the convs pad by half their (odd) window.
int outputWidth(const DepthwiseShape& c) {
  return static_cast<int>((c.width - 1) / c.stride + 1);
}

ir::ValueId addConv2d(ir::Graph& graph, ir::ValueId x, int64_t ins, int64_t outs, int64_t kernel,
                      int64_t stride, int64_t groups, std::mt19937& rng) {
  return graph.addOp1("conv2d",
                      {x, randomConstant(graph, {outs, ins / groups, kernel, kernel}, rng),
                       randomConstant(graph, {outs}, rng)},
                      {{"stride", std::vector<int64_t>{stride, stride}},
                       {"padding", std::vector<int64_t>{kernel / 2, kernel / 2}},
                       {"dilation", std::vector<int64_t>{1, 1}},
                       {"groups", groups}});
}

ir::ValueId relu6(ir::Graph& graph, ir::ValueId x) {
  ir::Attributes attrs;
  attrs.set("min_val", 0.0);
  attrs.set("max_val", 6.0);
  return graph.addOp1("hardtanh", {x}, attrs);
}

ir::ValueId addInput(ir::Graph& graph, const DepthwiseShape& c, size_t index) {
  return graph.addInput("x" + std::to_string(index),
                        {ir::DType::Float32, {c.batch, c.channels, c.height, c.width}});
}

// Every shape's conv, each read by a relu so its result stays in kiln's activation layout, inside the model.
ir::Graph depthwiseConvs() {
  ir::Graph graph("depthwise");
  std::mt19937 rng(21);
  std::vector<ir::ValueId> outputs;
  for (const DepthwiseShape& c : kDepthwise) {
    const ir::ValueId x = addInput(graph, c, outputs.size());
    const int64_t outs = c.channels * c.multiplier;
    outputs.push_back(
        graph.addOp1("relu", {addConv2d(graph, x, c.channels, outs, c.kernel, c.stride, c.channels, rng)}));
  }
  graph.setOutputs(outputs);
  return graph;
}

void expectMatchesATen(const ir::Graph& graph, const std::filesystem::path& artifact,
                       const std::string& target) {
  const std::vector<at::Tensor> inputs = randomInputs(graph, 9);
  const std::vector<at::Tensor> expected = frontend::ReferenceExecutor(graph).run(inputs);
  const std::vector<at::Tensor> actual = validation::openArtifact(artifact, 0)->run(inputs);
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t o = 0; o < actual.size(); ++o)
    EXPECT_LE(errorToScale(actual[o], expected[o]), 2e-5) << target << ", output " << o << " of\n"
                                                          << ir::printGraph(graph);
}

// The register tile a depthwise accumulator takes: checked against the rule for its row.
void expectDepthwiseTile(const codegen::CpuTile& tile, int width, size_t shape) {
  if (width > 32) {
    EXPECT_LE(tile.vectors, 2) << "shape " << shape << ": a wide row's tile is at most two vectors";
    EXPECT_EQ(tile.pixels, 4) << "shape " << shape << ": by 4 pixels";
    return;
  }
  EXPECT_EQ(tile.vectors, 1) << "shape " << shape << ": a narrow row's tile is one vector of channels";
  EXPECT_LE(tile.pixels, std::min(width, 8)) << "shape " << shape << ": at most 8 pixels, or the row";
  const auto covered = [&](int pixels) { return (width + pixels - 1) / pixels * pixels; };
  for (int pixels = 4; pixels <= std::min(width, 8); ++pixels)
    EXPECT_LE(covered(tile.pixels), covered(pixels))
        << "shape " << shape << ": tiles of " << pixels << " recompute fewer pixels of a row of " << width;
}

class DepthwiseTemplate : public ::testing::TestWithParam<std::string> {};

TEST_P(DepthwiseTemplate, EachShapeAloneMatchesATen) {
  const std::string& target = GetParam();
  const ir::Graph graph = depthwiseConvs();
  ScratchDir dir("depthwise-" + target);
  compileGraph(graph, "none", dir.path(), target);
  const nlohmann::json manifest = readManifest(dir.path());
  std::vector<nlohmann::json> tiles;  // each conv's schedule parameters, in kDepthwise's order
  for (const nlohmann::json& block : manifest["blocks"])
    if (block["schedule"]["template"] == "depthwise") tiles.push_back(block["schedule"]["params"]);
  ASSERT_EQ(tiles.size(), std::size(kDepthwise));
  const codegen::TargetDesc desc = codegen::describeTarget(codegen::resolveTarget(target).halide, 2);
  for (size_t s = 0; s < tiles.size(); ++s) {
    const DepthwiseShape& c = kDepthwise[s];
    codegen::CpuTile tile;
    tile.vectors = tiles[s]["vectors"];
    tile.pixels = tiles[s]["pixels"];
    // A 5x5 window at stride 1 over a row the target's accumulators cover takes the row as its tile.
    const int width = outputWidth(c);
    if (c.kernel >= 5 && c.stride == 1 && width <= desc.tile_accumulators)
      EXPECT_EQ(tile.pixels, width) << "shape " << s << ": one tile per row";
    else
      expectDepthwiseTile(tile, width, s);
    // 5x5 windows over rows one tile covers, or at stride 1 over narrow rows of whole vectors of channels,
    // split channel tiles between the threads, each over all its rows.
    const bool line_per_pixel =
        c.stride == 1 && width <= 32 && c.channels * c.multiplier % desc.vector_lanes == 0;
    EXPECT_EQ(tiles[s]["split"].get<int>(), c.kernel >= 5 && (tile.pixels == width || line_per_pixel) ? 1 : 0)
        << "shape " << s;
  }
  expectMatchesATen(graph, dir.path(), target);
}

ir::ValueId activation(ir::Graph& graph, const std::string& kind, ir::ValueId x) {
  return kind == "relu6" ? relu6(graph, x) : graph.addOp1(kind, {x});
}

// x -> expand 1x1 (6x) -> act -> depthwise -> act -> project 1x1 (+ x at stride 1), all one block: the
// depthwise conv and the expand it reads are computed per strip of the projection's rows, the depthwise conv
// register-blocked with the tile it takes as an anchor.
ir::Graph invertedResidual(const DepthwiseShape& c, const std::string& act) {
  ir::Graph graph("inverted_residual");
  std::mt19937 rng(22);
  const ir::ValueId x = addInput(graph, c, 0);
  const int64_t hidden = c.channels * 6, dw_outs = hidden * c.multiplier;
  const ir::ValueId expanded = activation(graph, act, addConv2d(graph, x, c.channels, hidden, 1, 1, 1, rng));
  const ir::ValueId filtered =
      activation(graph, act, addConv2d(graph, expanded, hidden, dw_outs, c.kernel, c.stride, hidden, rng));
  ir::ValueId out = addConv2d(graph, filtered, dw_outs, c.channels, 1, 1, 1, rng);
  if (c.stride == 1 && c.multiplier == 1) out = graph.addOp1("add", {out, x});
  graph.setOutputs({graph.addOp1("relu", {out})});
  return graph;
}

TEST_P(DepthwiseTemplate, StreamedInsideAnInvertedResidualMatchesATen) {
  const std::string& target = GetParam();
  for (size_t s : {0, 1, 3, 5}) {
    const ir::Graph graph = invertedResidual(kDepthwise[s], "relu6");
    const size_t fused_ops = graph.ops().size() - 1;  // all but the final relu
    const fusion::Plan plan = twoBlockPlan(graph, fused_ops);
    const codegen::TargetDesc desc = codegen::describeTarget(codegen::resolveTarget(target).halide, 2);
    const codegen::BlockPipeline pipeline = codegen::buildBlockPipeline(
        graph, plan.blocks[0], codegen::chooseLayouts(graph, plan, desc, {}), "inverted_residual");
    const codegen::PlacedStage& depthwise =
        *std::find_if(pipeline.stages.begin(), pipeline.stages.end(), [](const codegen::PlacedStage& p) {
          return p.op == 2 && p.stage.kind == codegen::StageKind::Accumulator;
        });
    expectDepthwiseTile(
        codegen::accumulatorTile(depthwise.stage, codegen::halideExtents(depthwise.stage.tensor), desc),
        outputWidth(kDepthwise[s]), s);
    ScratchDir dir("inverted-residual-" + target + "-" + std::to_string(s));
    compilePlan(graph, plan, dir.path(), target);
    const nlohmann::json block = readManifest(dir.path())["blocks"][0];
    EXPECT_EQ(block["ops"].size(), fused_ops);
    EXPECT_GT(block["internal_bytes"].get<int64_t>(), 0) << "the depthwise conv is not kept inside the block";
    expectMatchesATen(graph, dir.path(), target);
  }
}

// With silu, fusion keeps both activations (costly; read by every tap of the depthwise window, and by every
// output channel of the projection) as values of their own; each kept value is its conv's register tile, so
// silu runs on the sums in registers as they are stored.
TEST_P(DepthwiseTemplate, KeptActivationIsItsConvsRegisterTile) {
  const std::string& target = GetParam();
  for (size_t s : {0, 3, 5}) {
    const ir::Graph graph = invertedResidual(kDepthwise[s], "silu");
    const fusion::Plan plan = twoBlockPlan(graph, graph.ops().size() - 1);
    const codegen::TargetDesc desc = codegen::describeTarget(codegen::resolveTarget(target).halide, 2);
    const codegen::BlockPipeline block = codegen::buildBlockPipeline(
        graph, plan.blocks[0], codegen::chooseLayouts(graph, plan, desc, {}), "inverted_residual");
    // ops: 0 expand conv, 1 silu, 2 depthwise conv, 3 silu, 4 project conv, ...
    EXPECT_EQ(codegen::tiledKeptValues(block), (std::map<int, int>{{0, 1}, {2, 3}})) << "shape " << s;
    ScratchDir dir("inverted-residual-silu-" + target + "-" + std::to_string(s));
    compilePlan(graph, plan, dir.path(), target);
    expectMatchesATen(graph, dir.path(), target);
  }
}

INSTANTIATE_TEST_SUITE_P(CpuTargets, DepthwiseTemplate, ::testing::ValuesIn(cpuTargetsThisMachineRuns()),
                         targetTestName);

}  // namespace
}  // namespace kiln::testing
