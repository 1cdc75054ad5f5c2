// The dense templates (dense_conv, gemm, depthwise) on shapes the zoo does not have — channel counts that no
// vector or weight panel divides, 1x1 and 7x7 spatial sizes, a 7x7 stride-2 stem on 3 channels, grouped and
// dilated convs, batch 2, padded inputs too big to copy whole, a rank-3 linear — each compiled with its
// default config, with threads splitting output-channel panels, and with those threads' reductions blocked
// by input channels, on every CPU target this machine runs or emulates, against ATen.
#include <algorithm>
#include <fstream>
#include <random>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "codegen/cpu_schedule.h"
#include "codegen/placement.h"
#include "codegen/schedule.h"
#include "codegen/target.h"
#include "codegen_test_support.h"
#include "ir/printer.h"
#include "runtime/artifact_format.h"
#include "validation/artifact_executor.h"

namespace kiln::testing {
namespace {

struct ConvShape {
  int64_t batch, in_channels, height, width, out_channels, kernel, stride, padding, dilation, groups;
};

const ConvShape kDenseConvs[] = {
    {1, 24, 5, 5, 48, 3, 1, 1, 1, 1},     // three 16-wide panels, tiles that straddle them
    {1, 3, 15, 15, 64, 7, 2, 3, 1, 1},    // a stem: 3 channels, 7x7 stride 2
    {1, 32, 7, 7, 40, 1, 1, 0, 1, 1},     // a GEMM whose output channels no 16-wide panel divides
    {2, 16, 9, 9, 32, 3, 1, 2, 2, 2},     // grouped, dilated, batch 2
    {1, 64, 14, 14, 96, 3, 2, 1, 1, 1},   // stride 2, odd output rows
    {1, 20, 1, 1, 24, 1, 1, 0, 1, 1},     // 1x1 spatial
    {1, 12, 11, 13, 12, 3, 1, 1, 1, 12},  // depthwise, unequal height and width
    {1, 64, 10, 10, 64, 3, 1, 1, 1, 8},   // groups of 8 channels: vectors of 8 (AVX-512's narrowed)
    {1, 32, 9, 11, 32, 3, 2, 1, 1, 8},    // groups of 4, stride 2: AVX2's vectors of 4, AVX-512's gather
    {1, 48, 7, 7, 48, 3, 1, 1, 1, 2},     // groups of 24: vectors of 8, tiles straddling groups
    // Padded inputs beyond the cache budget (512 KiB on every target), copied per row of the output:
    {1, 32, 63, 65, 48, 3, 2, 1, 1, 2},  // grouped, stride 2, odd sizes
    {2, 40, 37, 41, 24, 3, 1, 2, 2, 1},  // batch 2, dilated, channels no vector divides
};

ir::Graph denseOps() {
  ir::Graph graph("dense");
  std::mt19937 rng(11);
  std::vector<ir::ValueId> outputs;
  for (const ConvShape& c : kDenseConvs) {
    const ir::ValueId x = graph.addInput("x" + std::to_string(outputs.size()),
                                         {ir::DType::Float32, {c.batch, c.in_channels, c.height, c.width}});
    const ir::ValueId w =
        randomConstant(graph, {c.out_channels, c.in_channels / c.groups, c.kernel, c.kernel}, rng);
    const ir::ValueId b = randomConstant(graph, {c.out_channels}, rng);
    const ir::ValueId conv = graph.addOp1("conv2d", {x, w, b},
                                          {{"stride", std::vector<int64_t>{c.stride, c.stride}},
                                           {"padding", std::vector<int64_t>{c.padding, c.padding}},
                                           {"dilation", std::vector<int64_t>{c.dilation, c.dilation}},
                                           {"groups", c.groups}});
    // A reader keeps the conv's result inside the model, in kiln's activation layout, where the templates
    // anchor on it (a model output stays in PyTorch's layout and gets the plain schedule).
    outputs.push_back(graph.addOp1("relu", {conv}));
  }
  const ir::ValueId tokens = graph.addInput("tokens", {ir::DType::Float32, {2, 13, 40}});
  outputs.push_back(
      graph.addOp1("relu", {graph.addOp1("linear", {tokens, randomConstant(graph, {56, 40}, rng),
                                                    randomConstant(graph, {56}, rng)})}));
  graph.setOutputs(outputs);
  return graph;
}

// The input channels each output element of a conv or linear sums over.
int64_t reducedChannels(const ir::Graph& graph, const ir::Op& op) {
  const ir::Shape& x = graph.type(op.inputs[0]).shape;
  return op.kind == "conv2d" ? x[1] / op.attrs.getInt("groups") : x.back();
}

// The artifact's configs with every block that may split output-channel panels across threads doing so;
// with `k_block`, also blocking the reduction by that many input channels wherever it divides them.
std::filesystem::path splitEverywhere(const ir::Graph& graph, const std::filesystem::path& artifact,
                                      const std::filesystem::path& file, int k_block) {
  std::ifstream in(artifact / artifact::kManifestFile);
  nlohmann::json manifest = nlohmann::json::parse(in);
  int split = 0, blocked = 0;
  for (nlohmann::json& block : manifest["blocks"]) {
    nlohmann::json& params = block["schedule"]["params"];
    if (!params.contains("split")) continue;
    params["split"] = 1;
    ++split;
    const ir::Op& anchor = graph.ops()[block["ops"][0]["index"].get<int>()];
    const int64_t channels = reducedChannels(graph, anchor);
    if (k_block > 0 && channels > k_block && channels % k_block == 0) {
      params["k_block"] = k_block;
      ++blocked;
    }
  }
  EXPECT_EQ(split, 13);  // every conv and the rank-3 linear
  if (k_block > 0) {
    EXPECT_EQ(blocked, 10);  // all but the stem (3 channels), the depthwise conv (1) and groups of 4
  }
  std::ofstream(file) << manifest.dump();
  return file;
}

class DenseTemplates : public ::testing::TestWithParam<std::string> {};

// Split configs run every pixel tile of a channel tile on one thread; blocked ones (k_block 4) also keep the
// tile's sums in memory across blocks of input channels, with a tail of pixels the tile does not divide.
TEST_P(DenseTemplates, MatchATenWithDefaultSplitAndBlockedConfigs) {
  const std::string& target = GetParam();
  const ir::Graph graph = denseOps();
  const std::vector<at::Tensor> inputs = randomInputs(graph, 5);
  const std::vector<at::Tensor> expected = frontend::ReferenceExecutor(graph).run(inputs);
  ScratchDir dir("dense-" + target);
  compileGraph(graph, "none", dir.path() / "default", target);
  for (auto [config, k_block] : {std::pair{"split", 0}, std::pair{"blocked", 4}}) {
    const std::filesystem::path file = dir.path() / (std::string(config) + ".json");
    compileGraph(
        graph, "none", dir.path() / config, target, codegen::ScheduleKind::Default,
        codegen::readScheduleOverrides(splitEverywhere(graph, dir.path() / "default", file, k_block)));
  }
  for (const char* config : {"default", "split", "blocked"}) {
    const std::vector<at::Tensor> actual = validation::openArtifact(dir.path() / config, 0)->run(inputs);
    for (size_t o = 0; o < actual.size(); ++o)
      EXPECT_LE(errorToScale(actual[o], expected[o]), 2e-5)
          << target << ", " << config << " configs, output " << o << " of\n"
          << ir::printGraph(graph);
  }
}

// The plan's first block, built and scheduled with the default config for `target` on 2 threads.
codegen::BlockPipeline scheduledFirstBlock(const ir::Graph& graph, const fusion::Plan& plan,
                                           const Halide::Target& target, const std::string& name) {
  const codegen::TargetDesc desc = codegen::describeTarget(target, 2);
  codegen::BlockPipeline block =
      codegen::buildBlockPipeline(graph, plan.blocks[0], codegen::chooseLayouts(graph, plan, desc, {}), name);
  block.schedule = codegen::scheduleBlock(block, graph, 0, desc, target, codegen::ScheduleOptions{});
  return block;
}

// Walks the block's statement as lowered for `target`.
void visitLowered(codegen::BlockPipeline& block, const Halide::Target& target,
                  Halide::Internal::IRVisitor& visitor) {
  std::vector<Halide::Argument> args(block.params.begin(), block.params.end());
  const Halide::Module module =
      block.pipeline.compile_to_module(args, "lowered", target.with_feature(Halide::Target::NoRuntime));
  for (const Halide::Internal::LoweredFunc& f : module.functions()) f.body.accept(&visitor);
}

// The iteration counts of the parallel loops `block`'s lowered code hands to the thread pool.
std::vector<int64_t> parallelLoopSizes(codegen::BlockPipeline& block, const Halide::Target& target) {
  struct ParForCalls : Halide::Internal::IRVisitor {
    std::vector<int64_t> sizes;
    using IRVisitor::visit;
    void visit(const Halide::Internal::Call* call) override {
      if (call->name == "halide_do_par_for") sizes.push_back(*Halide::Internal::as_const_int(call->args[2]));
      IRVisitor::visit(call);
    }
  } calls;
  visitLowered(block, target, calls);
  return calls.sizes;
}

// How many Funcs the lowered block produces whose names contain `part`.
int countProduced(codegen::BlockPipeline& block, const Halide::Target& target, const std::string& part) {
  struct Producers : Halide::Internal::IRVisitor {
    std::set<std::string> names;
    using IRVisitor::visit;
    void visit(const Halide::Internal::ProducerConsumer* node) override {
      if (node->is_producer) names.insert(node->name);
      IRVisitor::visit(node);
    }
  } producers;
  visitLowered(block, target, producers);
  return static_cast<int>(
      std::count_if(producers.names.begin(), producers.names.end(),
                    [&](const std::string& name) { return name.find(part) != name.npos; }));
}

// EfficientNet-B0's 7x7 projection, 1152 -> 192 channels: its weights (864 KiB) exceed the cache budget, so
// threads split output-channel tiles, and with only a few tiles (3 of 64 channels on AVX-512) each task is
// one row of one tile, which 2 threads share evenly. A blocked reduction keeps a tile's sums for the whole
// image, so its threads take whole tiles.
TEST_P(DenseTemplates, FewChannelTilesSplitAmongThreadsByRow) {
  const std::string& target = GetParam();
  ir::Graph graph("projection");
  std::mt19937 rng(15);
  const ir::ValueId x = graph.addInput("x", {ir::DType::Float32, {1, 1152, 7, 7}});
  const ir::ValueId conv = graph.addOp1("conv2d", {x, randomConstant(graph, {192, 1152, 1, 1}, rng)},
                                        {{"stride", std::vector<int64_t>{1, 1}},
                                         {"padding", std::vector<int64_t>{0, 0}},
                                         {"dilation", std::vector<int64_t>{1, 1}},
                                         {"groups", int64_t{1}}});
  graph.setOutputs({graph.addOp1("relu", {graph.addOp1("relu", {conv})})});
  const fusion::Plan plan = twoBlockPlan(graph, 2);  // conv, relu | relu: the conv's output stays inside
  const Halide::Target halide = codegen::resolveTarget(target).halide;
  const codegen::TargetDesc desc = codegen::describeTarget(halide, 2);
  const codegen::ValueLayouts layouts = codegen::chooseLayouts(graph, plan, desc, {});
  for (int k_block : {0, 96}) {
    codegen::BlockPipeline block = codegen::buildBlockPipeline(graph, plan.blocks[0], layouts, "projection");
    codegen::ScheduleOptions options;
    if (k_block > 0) {
      codegen::ScheduleConfig blocked = codegen::scheduleBlock(block, graph, 0, desc, halide, options);
      blocked.params["k_block"] = k_block;
      options.overrides[0] = blocked;
      block = codegen::buildBlockPipeline(graph, plan.blocks[0], layouts, "projection");
    }
    const codegen::ScheduleConfig config = codegen::scheduleBlock(block, graph, 0, desc, halide, options);
    ASSERT_EQ(config.get("split"), 1) << target;
    const int tile_channels = codegen::vectorWidth(192, desc.vector_lanes) * config.get("vectors");
    const int64_t tiles = (192 + tile_channels - 1) / tile_channels;
    EXPECT_EQ(parallelLoopSizes(block, halide), std::vector<int64_t>{k_block > 0 ? tiles : tiles * 7})
        << target << ", k_block " << k_block;
  }
}

// A global reduction (one value per channel) of a silu, big enough to wake the threads, and the chunks of
// its outermost reduced dimension they share.
struct GlobalReduction {
  const char* kind;
  ir::Shape shape;
  std::vector<int64_t> dims;  // for mean and sum
  int64_t chunks;
};

const GlobalReduction kGlobalReductions[] = {
    {"adaptive_avg_pool2d", {1, 1280, 7, 7}, {}, 7},   // EfficientNet-B0's head: a row each
    {"adaptive_max_pool2d", {1, 20, 31, 29}, {}, 31},  // channels no 16-wide vector divides
    {"mean", {600, 40}, {0}, 8},                       // one reduced dimension: a quarter of a share each
    {"sum", {3, 24, 15, 17}, {0, 2, 3}, 17},           // three reduced dimensions, the outermost chunked
};

ir::ValueId addGlobalReduction(ir::Graph& graph, const GlobalReduction& g) {
  const ir::ValueId x = graph.addInput(std::string("x_") + g.kind, {ir::DType::Float32, g.shape});
  const ir::ValueId activated = graph.addOp1("silu", {x});
  if (g.dims.empty()) return graph.addOp1(g.kind, {activated}, {{"output_size", std::vector<int64_t>{1, 1}}});
  return graph.addOp1(g.kind, {activated}, {{"dims", g.dims}, {"keepdim", false}});
}

// Global reductions run parallel over chunks of what they reduce (cpu_schedule.cpp,
// reduceChunksInParallel), each thread summing into its own partial result, and match ATen.
TEST_P(DenseTemplates, GlobalReductionsRunParallelOverChunks) {
  const std::string& target = GetParam();
  const Halide::Target halide = codegen::resolveTarget(target).halide;
  ir::Graph all("global_reductions");
  std::vector<ir::ValueId> outputs;
  for (const GlobalReduction& g : kGlobalReductions) {
    ir::Graph one(g.kind);
    one.setOutputs({addGlobalReduction(one, g)});
    codegen::BlockPipeline block =
        scheduledFirstBlock(one, twoBlockPlan(one, one.ops().size()), halide, g.kind);
    const std::vector<int64_t> sizes = parallelLoopSizes(block, halide);
    ASSERT_FALSE(sizes.empty()) << target << ", " << g.kind;
    EXPECT_EQ(sizes.front(), g.chunks) << target << ", " << g.kind;  // then any of the output's
    outputs.push_back(addGlobalReduction(all, g));
  }
  all.setOutputs(outputs);
  const std::vector<at::Tensor> inputs = randomInputs(all, 9);
  const std::vector<at::Tensor> expected = frontend::ReferenceExecutor(all).run(inputs);
  ScratchDir dir("global-reductions-" + target);
  const std::vector<at::Tensor> actual =
      validation::openArtifact(compileGraph(all, "none", dir.path(), target), 0)->run(inputs);
  for (size_t o = 0; o < actual.size(); ++o)
    EXPECT_LE(errorToScale(actual[o], expected[o]), 2e-5) << target << ", " << kGlobalReductions[o].kind;
}

// Two of MobileNetV2's inverted residuals in one block, as the plan makes them on fast cores: depthwise
// conv + relu6 streamed per strip into a 1x1 projection to 24 channels, whose output the next expand conv
// reads. The projection is not the block's anchor, so registerBlockAlone tiles it; its operand (relu6 of the
// depthwise stage) is computed per pixel tile for all input channels, as an anchor's is, not once per
// multiply-add of every channel tile. MobileNetV2 with an 18-op block of this kind: 7.4-8.1 -> 6.2-6.6 ms.
TEST_P(DenseTemplates, StreamedProjectionStagesItsComputedOperand) {
  const std::string& target = GetParam();
  ir::Graph graph("inverted_residuals");
  std::mt19937 rng(17);
  auto conv = [&](ir::ValueId x, int64_t ins, int64_t outs, int64_t kernel, int64_t groups) {
    return graph.addOp1("conv2d", {x, randomConstant(graph, {outs, ins / groups, kernel, kernel}, rng)},
                        {{"stride", std::vector<int64_t>{1, 1}},
                         {"padding", std::vector<int64_t>{kernel / 2, kernel / 2}},
                         {"dilation", std::vector<int64_t>{1, 1}},
                         {"groups", groups}});
  };
  auto relu6 = [&](ir::ValueId x) {
    return graph.addOp1("hardtanh", {x}, {{"min_val", 0.0}, {"max_val", 6.0}});
  };
  const ir::ValueId x = graph.addInput("x", {ir::DType::Float32, {1, 40, 15, 13}});
  const ir::ValueId projected = conv(relu6(conv(x, 40, 40, 3, 40)), 40, 24, 1, 1);
  const ir::ValueId expanded = relu6(conv(projected, 24, 72, 1, 1));
  graph.setOutputs({conv(relu6(conv(expanded, 72, 72, 3, 72)), 72, 24, 1, 1)});
  const fusion::Plan plan = twoBlockPlan(graph, graph.ops().size());

  const Halide::Target halide = codegen::resolveTarget(target).halide;
  codegen::BlockPipeline block = scheduledFirstBlock(graph, plan, halide, "inverted_residuals");
  // Both projections read relu6 of a depthwise stage, and both stage it.
  EXPECT_EQ(countProduced(block, halide, "_in_"), 2) << target;

  const std::vector<at::Tensor> inputs = randomInputs(graph, 7);
  ScratchDir dir("inverted-residuals-" + target);
  compilePlan(graph, plan, dir.path(), target);
  const at::Tensor actual = validation::openArtifact(dir.path(), 0)->run(inputs)[0];
  EXPECT_LE(errorToScale(actual, frontend::ReferenceExecutor(graph).run(inputs)[0]), 2e-5) << target;
}

// Attention's probabilities times its values in one block (reshape + permute + matmul), as ViT-B/16's plan
// makes it: the probabilities, a block's output, are stored NHWC with the 12 heads innermost, so the operand
// the block stages is vectorized along its heads, not as wide as the keys it is summed over (16 AVX-512
// lanes over 12 heads read the buffer at -4 and the run failed).
TEST_P(DenseTemplates, AttentionValuesStageTheirProbabilitiesByHeads) {
  const std::string& target = GetParam();
  ir::Graph graph("attention_values");
  const ir::ValueId scores = graph.addInput("scores", {ir::DType::Float32, {1, 12, 37, 37}});
  const ir::ValueId tokens = graph.addInput("tokens", {ir::DType::Float32, {1, 37, 12 * 16}});
  const ir::ValueId probs = graph.addOp1("softmax", {scores}, {{"dim", int64_t{-1}}});
  const ir::ValueId heads = graph.addOp1(
      "permute", {graph.addOp1("reshape", {tokens}, {{"shape", std::vector<int64_t>{1, 37, 12, 16}}})},
      {{"dims", std::vector<int64_t>{0, 2, 1, 3}}});
  graph.setOutputs({graph.addOp1("matmul", {probs, heads})});

  const std::vector<at::Tensor> inputs = randomInputs(graph, 7);
  ScratchDir dir("attention-values-" + target);
  compilePlan(graph, twoBlockPlan(graph, 1), dir.path(), target);
  const at::Tensor actual = validation::openArtifact(dir.path(), 0)->run(inputs)[0];
  EXPECT_LE(errorToScale(actual, frontend::ReferenceExecutor(graph).run(inputs)[0]), 2e-5) << target;
}

// MobileNetV2's residual add feeding the next expand conv, add + 1x1 conv + relu6 as one block, at 14x14
// (96 -> 576 channels), where threads split rows; and at 7x7, whose 7 rows 2 threads would share unevenly,
// with 160 -> 960 (600 KiB of weights, less than L2) and 320 -> 1280 (1.6 MB), where threads split
// output-channel tiles. Either way the add is staged, not recomputed in every multiply-add of every channel
// tile: per pixel tile when threads split rows, once for the whole image (parallel over its rows) when they
// split channels.
TEST_P(DenseTemplates, ExpandOfAResidualAddStagesItsOperand) {
  const std::string& target = GetParam();
  const Halide::Target halide = codegen::resolveTarget(target).halide;
  struct Shape {
    int64_t size, ins, outs, split;
  };
  for (const Shape& shape : {Shape{14, 96, 576, 0}, Shape{7, 160, 960, 1}, Shape{7, 320, 1280, 1}}) {
    ir::Graph graph("residual_expand");
    std::mt19937 rng(18);
    const ir::TensorType type{ir::DType::Float32, {1, shape.ins, shape.size, shape.size}};
    const ir::ValueId sum =
        graph.addOp1("add", {graph.addInput("x", type), graph.addInput("shortcut", type)});
    const ir::ValueId conv =
        graph.addOp1("conv2d", {sum, randomConstant(graph, {shape.outs, shape.ins, 1, 1}, rng)},
                     {{"stride", std::vector<int64_t>{1, 1}},
                      {"padding", std::vector<int64_t>{0, 0}},
                      {"dilation", std::vector<int64_t>{1, 1}},
                      {"groups", int64_t{1}}});
    graph.setOutputs(
        {graph.addOp1("relu", {graph.addOp1("hardtanh", {conv}, {{"min_val", 0.0}, {"max_val", 6.0}})})});
    const fusion::Plan plan =
        twoBlockPlan(graph, 3);  // add, conv, relu6 | relu: the tiled output stays inside

    codegen::BlockPipeline block = scheduledFirstBlock(graph, plan, halide, "residual_expand");
    ASSERT_EQ(block.schedule.get("split"), shape.split) << target << ", " << shape.size << "x" << shape.size;
    EXPECT_EQ(countProduced(block, halide, "_in_"), 1) << target << ", " << shape.size << "x" << shape.size;
    const std::vector<int64_t> loops = parallelLoopSizes(block, halide);
    if (shape.split) {  // the staged operand's rows, then the output's channel tiles by rows
      EXPECT_EQ(loops.front(), shape.size) << target;
    }

    const std::vector<at::Tensor> inputs = randomInputs(graph, 8);
    ScratchDir dir("residual-expand-" + target);
    compilePlan(graph, plan, dir.path(), target);
    const at::Tensor actual = validation::openArtifact(dir.path(), 0)->run(inputs)[0];
    EXPECT_LE(errorToScale(actual, frontend::ReferenceExecutor(graph).run(inputs)[0]), 2e-5)
        << target << ", " << shape.size << "x" << shape.size;
  }
}

// ResNet-50 between two bottlenecks: relu(conv1x1(x) + downsample(x)) = y, handed out to the next residual
// add, and the next bottleneck's first 1x1 conv of y = z, in one block with two outputs. Each output is the
// register tile of the convs that feed it (the epilogue add and relu run on sums in registers), and z's conv
// reads y from its output buffer instead of recomputing the add and relu per tile of output channels.
ir::Graph chainedConvs() {
  ir::Graph graph("chained");
  std::mt19937 rng(12);
  auto conv1x1 = [&](ir::ValueId x, int64_t ins, int64_t outs) {
    return graph.addOp1("conv2d", {x, randomConstant(graph, {outs, ins, 1, 1}, rng)},
                        {{"stride", std::vector<int64_t>{1, 1}},
                         {"padding", std::vector<int64_t>{0, 0}},
                         {"dilation", std::vector<int64_t>{1, 1}},
                         {"groups", int64_t{1}}});
  };
  const ir::ValueId x = graph.addInput("x", {ir::DType::Float32, {2, 24, 9, 11}});
  const ir::ValueId y = graph.addOp1("relu", {graph.addOp1("add", {conv1x1(x, 24, 40), conv1x1(x, 24, 40)})});
  const ir::ValueId z = conv1x1(y, 40, 20);
  // The second block: the next bottleneck's expand and residual add read both outputs.
  graph.setOutputs({graph.addOp1("add", {conv1x1(graph.addOp1("relu", {z}), 20, 40), y})});
  return graph;
}

TEST_P(DenseTemplates, ChainedConvsInOneBlockTileTheirOutputs) {
  const std::string& target = GetParam();
  const ir::Graph graph = chainedConvs();
  const fusion::Plan plan = twoBlockPlan(graph, 5);
  ASSERT_EQ(plan.blocks[0].footprint.outputs.size(), 2u);

  const codegen::TargetDesc desc = codegen::describeTarget(codegen::resolveTarget(target).halide, 2);
  const codegen::BlockPipeline block = codegen::buildBlockPipeline(
      graph, plan.blocks[0], codegen::chooseLayouts(graph, plan, desc, {}), "chained");
  // ops: 0 conv, 1 downsample conv, 2 add, 3 relu -> output 0; 4 conv -> output 1.
  EXPECT_EQ(codegen::tiledOutputs(block), (std::map<int, int>{{0, 0}, {1, 0}, {4, 1}}));

  const std::vector<at::Tensor> inputs = randomInputs(graph, 6);
  ScratchDir dir("chained-" + target);
  compilePlan(graph, plan, dir.path(), target);
  const at::Tensor actual = validation::openArtifact(dir.path(), 0)->run(inputs)[0];
  EXPECT_LE(errorToScale(actual, frontend::ReferenceExecutor(graph).run(inputs)[0]), 2e-5) << target;
}

// RegNetX's stem block: s = relu(conv(x)) is handed out to the next block, and inside this one
// y = relu(conv1x1(s)) is read by a padded grouped 3x3 stride-2 conv. The block has two outputs (no strips),
// so y's conv is staged whole and the grouped conv's padded input is copied per row of its output, not
// selected (with y's relu) at every tap.
TEST_P(DenseTemplates, PaddedConvOfAStagedValueCopiesItsBorderPerRow) {
  const std::string& target = GetParam();
  ir::Graph graph("stem");
  std::mt19937 rng(14);
  const auto conv = [&](ir::ValueId x, int64_t ins, int64_t outs, int64_t kernel, int64_t groups) {
    const int64_t stride = kernel == 1 ? 1 : 2, padding = kernel / 2;
    return graph.addOp1("conv2d", {x, randomConstant(graph, {outs, ins / groups, kernel, kernel}, rng)},
                        {{"stride", std::vector<int64_t>{stride, stride}},
                         {"padding", std::vector<int64_t>{padding, padding}},
                         {"dilation", std::vector<int64_t>{1, 1}},
                         {"groups", groups}});
  };
  const ir::ValueId x = graph.addInput("x", {ir::DType::Float32, {2, 24, 9, 11}});
  const ir::ValueId s = graph.addOp1("relu", {conv(x, 24, 32, 1, 1)});
  const ir::ValueId y = graph.addOp1("relu", {conv(s, 32, 40, 1, 1)});
  const ir::ValueId z = conv(y, 40, 40, 3, 5);  // groups of 8 channels
  graph.setOutputs({graph.addOp1("relu", {z}), graph.addOp1("sigmoid", {s})});
  const fusion::Plan plan = twoBlockPlan(graph, 5);  // conv, relu, conv, relu, grouped conv | relu, sigmoid
  ASSERT_EQ(plan.blocks[0].footprint.outputs.size(), 2u);

  const std::vector<at::Tensor> inputs = randomInputs(graph, 7);
  const std::vector<at::Tensor> expected = frontend::ReferenceExecutor(graph).run(inputs);
  ScratchDir dir("stem-" + target);
  compilePlan(graph, plan, dir.path(), target);
  const std::vector<at::Tensor> actual = validation::openArtifact(dir.path(), 0)->run(inputs);
  for (size_t o = 0; o < actual.size(); ++o) EXPECT_LE(errorToScale(actual[o], expected[o]), 2e-5) << target;
}

// A DenseNet layer: relu(cat(features)) read by a 1x1 conv. The concatenation is staged, computed once,
// instead of being selected from its inputs in every term of the conv's sums. Its inputs' channels share
// no power of two (reads clamped per channel), or are whole granules of 8 (reads clamped per granule, one
// dense load per vector) with inputs that straddle a 16-lane vector.
class ConcatenatedFeatures : public ::testing::TestWithParam<std::tuple<std::string, std::vector<int64_t>>> {
};

TEST_P(ConcatenatedFeatures, ConvOfAConcatenationReadsItComputedOnce) {
  const auto& [target, feature_channels] = GetParam();
  ir::Graph graph("dense_layer");
  std::mt19937 rng(13);
  std::vector<ir::ValueId> features;
  int64_t total = 0;
  for (int64_t channels : feature_channels) {
    features.push_back(
        graph.addInput("f" + std::to_string(features.size()), {ir::DType::Float32, {1, channels, 7, 9}}));
    total += channels;
  }
  const ir::ValueId joined = graph.addOp1("relu", {graph.addOp1("cat", features, {{"dim", int64_t{1}}})});
  const ir::ValueId conv = graph.addOp1("conv2d", {joined, randomConstant(graph, {16, total, 1, 1}, rng)},
                                        {{"stride", std::vector<int64_t>{1, 1}},
                                         {"padding", std::vector<int64_t>{0, 0}},
                                         {"dilation", std::vector<int64_t>{1, 1}},
                                         {"groups", int64_t{1}}});
  graph.setOutputs({graph.addOp1("add", {graph.addOp1("relu", {conv}), conv})});
  const fusion::Plan plan = twoBlockPlan(graph, 4);  // cat, relu, conv, relu | add

  const codegen::TargetDesc desc = codegen::describeTarget(codegen::resolveTarget(target).halide, 2);
  const codegen::BlockPipeline block = codegen::buildBlockPipeline(
      graph, plan.blocks[0], codegen::chooseLayouts(graph, plan, desc, {}), "dense_layer");
  const auto staged = std::find_if(block.stages.begin(), block.stages.end(), [](const auto& s) {
    return s.stage.kind == codegen::StageKind::KeptValue;
  });
  ASSERT_NE(staged, block.stages.end());
  EXPECT_EQ(graph.ops()[staged->op].outputs[0], joined);

  const std::vector<at::Tensor> inputs = randomInputs(graph, 7);
  ScratchDir dir("dense-layer-" + target + "-" + std::to_string(total));
  compilePlan(graph, plan, dir.path(), target);
  const at::Tensor actual = validation::openArtifact(dir.path(), 0)->run(inputs)[0];
  EXPECT_LE(errorToScale(actual, frontend::ReferenceExecutor(graph).run(inputs)[0]), 2e-5) << target;
}

INSTANTIATE_TEST_SUITE_P(CpuTargets, DenseTemplates, ::testing::ValuesIn(cpuTargetsThisMachineRuns()),
                         targetTestName);

INSTANTIATE_TEST_SUITE_P(CpuTargets, ConcatenatedFeatures,
                         ::testing::Combine(::testing::ValuesIn(cpuTargetsThisMachineRuns()),
                                            ::testing::Values(std::vector<int64_t>{8, 12, 5},
                                                              std::vector<int64_t>{24, 8, 40, 16})),
                         [](const auto& info) {
                           std::string name =
                               std::get<0>(info.param) + "_granule" +
                               (std::get<1>(info.param)[2] % 8 == 0 ? std::string("8") : std::string("1"));
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

}  // namespace
}  // namespace kiln::testing
