// The schedule layer's parts on their own: blocked layouts and weight packing, target descriptions,
// schedule configs (JSON, overrides, checks against a template's space) and replaying a config by hand.
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "../frontend/zoo_test_support.h"
#include "codegen/cpu_schedule.h"
#include "codegen/layout.h"
#include "codegen/schedule_config.h"
#include "codegen/target.h"
#include "codegen/target_desc.h"
#include "codegen_test_support.h"
#include "ir/error.h"
#include "runtime/artifact_format.h"

namespace kiln::testing {
namespace {

using codegen::Layout;

nlohmann::json readJson(const std::filesystem::path& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

// The element `index` (logical, row-major order of `shape`) lands where Layout::halideIndex says.
int64_t packedOffset(const Layout& layout, const std::vector<int64_t>& shape, const std::vector<int>& index) {
  std::vector<Halide::Expr> logical(index.begin(), index.end());
  const std::vector<Halide::Expr> args = layout.halideIndex(logical);
  const std::vector<int64_t> extents = layout.halideExtents(shape);
  int64_t offset = 0, stride = 1;
  for (size_t p = 0; p < args.size(); ++p) {
    offset += *Halide::Internal::as_const_int(Halide::Internal::simplify(args[p])) * stride;
    stride *= extents[p];
  }
  return offset;
}

TEST(Layout, ConvWeightsPackInOutputChannelPanels) {
  const Layout layout = codegen::convWeightsPacked(16);
  const std::vector<int64_t> shape{24, 5, 3, 2};  // O I KH KW: 24 channels pad to two panels of 16
  EXPECT_EQ(layout.halideExtents(shape), (std::vector<int64_t>{16, 5, 2, 3, 2}));
  EXPECT_EQ(layout.name, "O/16 H W I o16");
  std::vector<float> data(24 * 5 * 3 * 2);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<float>(i + 1);
  const std::vector<float> packed = codegen::toLayout(shape, data.data(), layout);
  ASSERT_EQ(packed.size(), 2u * 16 * 5 * 3 * 2);
  for (int o = 0; o < 24; ++o)
    for (int i = 0; i < 5; ++i)
      for (int ky = 0; ky < 3; ++ky)
        for (int kx = 0; kx < 2; ++kx) {
          const int64_t offset = packedOffset(layout, shape, {o, i, ky, kx});
          // [O/16][KH][KW][I][16]: the panel outermost, one vector of output channels innermost.
          EXPECT_EQ(offset, (((o / 16 * 3 + ky) * 2 + kx) * 5 + i) * 16 + o % 16);
          EXPECT_EQ(packed[offset], data[((o * 5 + i) * 3 + ky) * 2 + kx]);
        }
  int zeros = 0;
  for (float v : packed) zeros += v == 0.0f;
  EXPECT_EQ(zeros, 8 * 5 * 3 * 2);  // the padding channels 24..31 of the second panel
}

TEST(Layout, LinearWeightsPackAndUnblockedStaysAPermutation) {
  const Layout linear = codegen::linearWeightsPacked(8);
  const std::vector<int64_t> shape{16, 3};
  EXPECT_EQ(linear.halideExtents(shape), (std::vector<int64_t>{8, 3, 2}));
  EXPECT_EQ(packedOffset(linear, shape, {11, 2}), (1 * 3 + 2) * 8 + 3);
  const Layout hwio = codegen::convWeightsPacked(1);
  EXPECT_EQ(hwio.blocked, -1);
  EXPECT_EQ(hwio.halideExtents({4, 3, 2, 2}), (std::vector<int64_t>{4, 3, 2, 2}));
}

TEST(TargetDesc, DescribesEachInstructionSet) {
  const auto avx512 = codegen::describeTarget(codegen::resolveTarget("x86-64-avx512").halide, 2);
  const auto avx2 = codegen::describeTarget(codegen::resolveTarget("x86-64-avx2").halide, 2);
  const auto neon = codegen::describeTarget(codegen::resolveTarget("arm64").halide, 4);
  const auto cuda = codegen::describeTarget(codegen::resolveTarget("cuda").halide, 2);
  EXPECT_EQ(avx512.vector_lanes, 16);
  EXPECT_EQ(avx512.vector_registers, 32);
  EXPECT_EQ(avx2.vector_lanes, 8);
  EXPECT_EQ(avx2.vector_registers, 16);
  EXPECT_EQ(neon.vector_lanes, 4);
  EXPECT_EQ(neon.weightPanel(), 4);
  EXPECT_EQ(cuda.isa, "cuda");
  EXPECT_EQ(cuda.warp_lanes, 32);
  for (const auto& d : {avx512, avx2, neon})  // accumulators, weight vectors and a broadcast fit the file
    EXPECT_LE(d.tile_accumulators + d.tile_vectors + 1, d.vector_registers) << d.isa;
  // A plan for arm64 is priced for arm64: its nominal peak follows its own vectors and threads.
  EXPECT_DOUBLE_EQ(neon.nominalMachine().peak_flops, 2.0 * 4 * neon.fma_units * neon.nominal_ghz * 1e9 * 4);
  EXPECT_EQ(neon.nominalMachine().threads, 4);
}

TEST(CpuTile, VectorsStayInsideTheGroupsOfAGroupedConv) {
  const auto avx2 = codegen::describeTarget(codegen::resolveTarget("x86-64-avx2").halide, 2);
  // 288 channels at 14x14: ungrouped, three vectors of 8 fit the accumulator budget best.
  EXPECT_EQ(codegen::defaultTile({288, 14, 14, 1}, avx2).vectors, 3);
  // Vectors of 16 lanes: the widest inside a group of ResNeXt's 8 or RegNet's 16, 24 and 48 channels, but
  // not narrower than half the natural vector (in groups of 4, vectors of 4 ran slower than 16 gathering).
  EXPECT_EQ(codegen::channelVector(128, 4, 16), 16);
  EXPECT_EQ(codegen::channelVector(256, 8, 16), 8);
  EXPECT_EQ(codegen::channelVector(288, 16, 16), 16);
  EXPECT_EQ(codegen::channelVector(240, 24, 16), 8);
  EXPECT_EQ(codegen::channelVector(96, 48, 16), 16);
  EXPECT_EQ(codegen::channelVector(24, 12, 8), 4);
  // Not grouped, or no vector of 4 fits a group (depthwise's 1, groups of 2 or 6): the natural vector.
  EXPECT_EQ(codegen::channelVector(288, 0, 16), 16);
  EXPECT_EQ(codegen::channelVector(96, 1, 16), 16);
  EXPECT_EQ(codegen::channelVector(60, 6, 16), 16);
  EXPECT_EQ(codegen::channelVector(12, 0, 16), 8);
  // Every vector of the default tile lies inside a group: whole vectors of 8 lanes in groups of 8.
  const auto avx512 = codegen::describeTarget(codegen::resolveTarget("x86-64-avx512").halide, 2);
  const codegen::CpuTile grouped = codegen::defaultTile({256, 28, 28, 1}, avx512, 8);
  EXPECT_GE(grouped.vectors * grouped.pixels, 16);
}

// A 1x1 conv on AVX-512 fills 28 accumulators (its FMAs take their broadcast from memory) with tiles that
// divide its rows: 4 vectors by 7 pixels over rows of 7 and 56, 2 by 14 over 14 when 96 channels fill
// no 4 vectors. A conv with a window keeps 20, and the tile with the fewest loads: 4 x 4 over 7 (8 pixels
// for 7, the same useful work as 2 x 7), 4 x 5 over 56.
TEST(CpuTile, PointwiseConvsOverNarrowRowsWasteNoPixels) {
  const auto avx512 = codegen::describeTarget(codegen::resolveTarget("x86-64-avx512").halide, 2);
  const auto tile = [&](int channels, int width, bool has_window) {
    const codegen::CpuTile t = codegen::defaultTile({channels, width, width, 1}, avx512, 0, has_window);
    return std::pair{t.vectors, t.pixels};
  };
  EXPECT_EQ(tile(2048, 7, false), std::pair(4, 7));
  EXPECT_EQ(tile(512, 7, true), std::pair(4, 4));
  EXPECT_EQ(tile(96, 14, false), std::pair(2, 14));
  EXPECT_EQ(tile(64, 56, false), std::pair(4, 7));
  EXPECT_EQ(tile(256, 56, true), std::pair(4, 5));
}

TEST(ScheduleConfig, RoundTripsThroughJsonAndChecksTheSpace) {
  const codegen::ScheduleConfig config{"dense_conv", {{"vectors", 2}, {"pixels", 7}}};
  EXPECT_EQ(codegen::ScheduleConfig::fromJson(config.toJson()).params, config.params);
  EXPECT_EQ(config.toString(), "dense_conv(pixels=7 vectors=2)");
  const codegen::ParamSpace space{{"vectors", {1, 2}}, {"pixels", {1, 2, 3, 4, 5, 6, 7}}};
  EXPECT_NO_THROW(codegen::checkConfigInSpace(config, "dense_conv", space, 3));
  auto message = [&](const codegen::ScheduleConfig& c, const std::string& name) {
    try {
      codegen::checkConfigInSpace(c, name, space, 3);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message(config, "gemm").find("scheduled by 'gemm'"), std::string::npos);
  EXPECT_NE(message({"dense_conv", {{"vectors", 3}, {"pixels", 7}}}, "dense_conv").find("use one of 1, 2"),
            std::string::npos);
  EXPECT_NE(message({"dense_conv", {{"vectors", 2}}}, "dense_conv").find("lacks parameter 'pixels'"),
            std::string::npos);
  EXPECT_NE(message({"dense_conv", {{"vectors", 2}, {"pixels", 7}, {"unroll", 2}}}, "dense_conv")
                .find("no parameter 'unroll'"),
            std::string::npos);
}

TEST(ScheduleConfig, MalformedOverridesNameTheFile) {
  ScratchDir dir("schedule-overrides");
  const auto path = dir.path() / "configs.json";
  std::ofstream(path) << R"({"x": {"template": "gemm"}})";
  try {
    codegen::readScheduleOverrides(path);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("malformed schedule configs " + path.string()), std::string::npos);
  }
  EXPECT_THROW(codegen::readScheduleOverrides(dir.path() / "missing.json"), Error);
}

// Every block records its template and config; a config changed by hand is applied, recorded and still
// computes the same; one outside the template's space is refused before anything is written.
// A block streaming a chain of depthwise convs runs in the strips fusion priced it with (fusion's cost model
// weighs their halos against what spills out of L2), so the plan and the code agree; and it computes right.
TEST(ScheduleConfig, DefaultStripIsTheOnePricedByFusion) {
  ir::Graph graph("chain");
  std::mt19937 rng(3);
  ir::ValueId x = graph.addInput("x", {ir::DType::Float32, {1, 48, 30, 20}});
  for (int k = 0; k < 3; ++k)
    x = graph.addOp1("conv2d", {x, randomConstant(graph, {48, 1, 3, 3}, rng)},
                     {{"stride", std::vector<int64_t>{1, 1}},
                      {"padding", std::vector<int64_t>{1, 1}},
                      {"dilation", std::vector<int64_t>{1, 1}},
                      {"groups", int64_t{48}}});
  graph.setOutputs({graph.addOp1("relu", {x})});
  fusion::Machine cramped;
  cramped.l2_bytes = 128 << 10;
  fusion::Grouping grouping;
  grouping.group_of_op = {0, 0, 0, 1};
  const fusion::Plan plan = fusion::buildPlan(graph, "by hand", grouping, cramped);
  ASSERT_GT(plan.blocks[0].strip_rows, 1);
  ASSERT_LT(plan.blocks[0].strip_rows, cramped.strip_rows);

  ScratchDir dir("priced-strip");
  compilePlan(graph, plan, dir.path());
  const nlohmann::json manifest = readJson(dir.path() / artifact::kManifestFile);
  EXPECT_EQ(manifest["blocks"][0]["schedule"]["params"]["strip_rows"], plan.blocks[0].strip_rows);
  const std::vector<at::Tensor> inputs = randomInputs(graph, 5);
  const at::Tensor actual = validation::openArtifact(dir.path(), 0)->run(inputs)[0];
  EXPECT_LE(errorToScale(actual, frontend::ReferenceExecutor(graph).run(inputs)[0]), 2e-5);
}

TEST(ScheduleConfig, ReplaysAndOverridesByHand) {
  ScratchDir dir("schedule-replay");
  validation::ModelCompileOptions options;
  validation::compileModel(zooModel("resnet18_traced"), options, dir.path() / "a");
  nlohmann::json manifest = readJson(dir.path() / "a" / artifact::kManifestFile);
  int changed = -1;
  for (nlohmann::json& block : manifest["blocks"]) {
    ASSERT_TRUE(block.contains("schedule")) << block["id"];
    const std::string name = block["schedule"]["template"];
    EXPECT_TRUE(name == "winograd" || name == "dense_conv" || name == "gemm" || name == "reduction") << name;
    if (changed < 0 && name == "dense_conv") {
      changed = block["id"];
      block["schedule"]["params"]["pixels"] = 3;
      block["schedule"]["params"]["vectors"] = 1;
    }
  }
  ASSERT_GE(changed, 0);
  std::ofstream(dir.path() / "edited.json") << manifest.dump();
  options.codegen.schedule.overrides = codegen::readScheduleOverrides(dir.path() / "edited.json");
  validation::compileModel(zooModel("resnet18_traced"), options, dir.path() / "b");
  const nlohmann::json replayed = readJson(dir.path() / "b" / artifact::kManifestFile);
  EXPECT_EQ(replayed["blocks"][changed]["schedule"], manifest["blocks"][changed]["schedule"]);
  validation::ValidateOptions validate;
  validate.seeds = {1};
  EXPECT_TRUE(validation::validateArtifact(zooModel("resnet18_traced"), dir.path() / "b", validate).pass);

  options.codegen.schedule.overrides[changed].params["pixels"] = 99;
  try {
    validation::compileModel(zooModel("resnet18_traced"), options, dir.path() / "c");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("pixels=99 is outside template 'dense_conv''s space"),
              std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "c"));
}

}  // namespace
}  // namespace kiln::testing
