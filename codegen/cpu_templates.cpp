// The CPU schedule templates. A block whose conv is computed with Winograd (winograd.h) gets `winograd`:
// 4x4-pixel tiles in groups along a row, its 36 channel sums register-blocked. Three anchor them on a sum of
// products and share cpu_schedule.h's register tiling; they differ in what they match and in the default
// they derive:
//  - dense_conv: a conv2d with a spatial window or stride (3x3, 7x7, strided 1x1), groups 1;
//  - gemm: a 1x1 stride-1 conv2d, linear or matmul — a matrix product over channels;
//  - depthwise: a grouped conv2d (depthwise when groups = channels), whose weights are tiny;
// and two have no anchor:
//  - reduction: window and axis reductions (pooling, softmax, norms) and staged convs;
//  - elementwise: everything else (adds, activations, data movement), one pass vectorized and parallel.
#include <algorithm>
#include <numeric>

#include "codegen/cpu_schedule.h"
#include "codegen/winograd.h"

namespace kiln::codegen {
namespace {

std::vector<int> upTo(int limit) {
  std::vector<int> values(std::max(1, limit));
  std::iota(values.begin(), values.end(), 1);
  return values;
}

// Rows per strip a block with streamed stages may use: 1 up to the output's rows (at most 16).
std::vector<int> stripRowChoices(const BlockAnalysis& block) {
  if (!block.strips || block.out_extents.size() != 4) return {1};
  return upTo(std::min(16, block.out_extents[2]));
}

// The strip height fusion priced the block with (fusion/cost_model.h: halos against what spills out of L2;
// EfficientNet-B0's block 1 held 2.7 MB per strip of 8 rows and ran in 4.5-5.7 ms, 1.5-2.6 ms in strips of
// 4), at most the output's rows.
int defaultStripRows(const BlockAnalysis& block) {
  if (!block.strips || block.out_extents.size() != 4) return 1;
  return std::clamp(block.strip_rows, 1, block.out_extents[2]);
}

// Bytes of weights all the anchors read.
int64_t anchorWeightBytes(const BlockAnalysis& block) {
  int64_t total = 0;
  for (const PlacedStage* anchor : block.anchors) total += weightBytes(anchor->stage);
  return total;
}

bool isConv(const ir::Op& op) {
  return op.kind == "conv2d";
}

// Whether a conv's window is 5 or more rows tall (5x5, 7x7).
bool hasTallWindow(const Stage& accumulator) {
  const auto rows = Halide::Internal::as_const_int(accumulator.reduction[2].extent());
  return rows && *rows >= 5;
}

// Whether every element of the op's integer-list attribute `attr` (stride, padding) is `value`.
bool allEqual(const ir::Op& op, const char* attr, int64_t value) {
  const auto& v = op.attrs.getInts(attr);
  return std::all_of(v.begin(), v.end(), [&](int64_t e) { return e == value; });
}

// A 1x1 conv with stride 1 and no padding: a matrix product of the weights and the pixels' channels. Its
// anchor's reduction is (input channels, kernel x, kernel y).
bool isPointwise(const BlockAnalysis& block) {
  const ir::Op& op = *block.anchor_op;
  return op.attrs.getInt("groups") == 1 && allEqual(op, "stride", 1) && allEqual(op, "padding", 0) &&
         !hasSpatialWindow(block.anchor->stage);
}

// An anchored block: register tiles of `vectors` x `pixels`, threads over rows or channel tiles.
class AnchoredTemplate : public ScheduleTemplate {
 public:
  ParamSpace space(const BlockAnalysis& block, const TargetDesc& target) const override {
    const std::vector<int>& e = block.out_extents;
    const int vector = channelVector(e[0], block.anchor->stage.group_width, target.vector_lanes);
    return {{"vectors", upTo(std::min(e[0] / vector, target.tile_vectors))},
            {"pixels", upTo(std::min(e[1], target.vector_registers - 2))},
            {"split", channelSplitAllowed(block) ? std::vector<int>{0, 1} : std::vector<int>{0}},
            {"strip_rows", stripRowChoices(block)},
            {"k_block", kBlockChoices(block)}};
  }

  ScheduleConfig defaultConfig(const BlockAnalysis& block, const TargetDesc& target) const override {
    const CpuTile tile = accumulatorTile(block.anchor->stage, block.out_extents, target);
    const bool split =
        channelSplitAllowed(block) &&
        (anchorWeightBytes(block) > channelSplitWeights(block.anchor_computes_operand, target) ||
         fewRowsSplitUnevenly(block, target));
    const int tile_channels =
        channelVector(block.out_extents[0], block.anchor->stage.group_width, target.vector_lanes) *
        tile.vectors;
    return {name(),
            {{"vectors", tile.vectors},
             {"pixels", tile.pixels},
             {"split", split ? 1 : 0},
             {"strip_rows", defaultStripRows(block)},
             {"k_block", split ? defaultKBlock(block.anchor->stage, tile_channels, target) : 0}}};
  }

  void apply(BlockPipeline& block, const BlockAnalysis& analysis, const ScheduleConfig& config,
             const TargetDesc& target) const override {
    const CpuTile tile{config.get("vectors"), config.get("pixels"), config.get("split") == 1,
                       config.get("strip_rows"), config.get("k_block")};
    scheduleCpuBlock(block, analysis, tile, target);
  }

 protected:
  // Whether an image's few rows leave a thread idle for the last of them: 7 rows on 2 threads take 4 rounds
  // where channel tiles (one row each, cpu_schedule.cpp's parallelizeChannelTiles) divide evenly. Measured
  // (AMD Zen 4, 2 threads, 4-6 alternating runs), 7x7 1x1 convs: EfficientNet-B0's gated projections
  // 145-166 -> 129-140 us, MobileNetV3-Large's 10 % faster, MnasNet's add + conv + relu 124-134 -> 113-119
  // us; MobileNetV2's relu6 + conv 78-86 -> 72-86 us, its add + conv + relu6 mixed (81-103 -> 80-115 us).
  // Wider images keep rows, whose input each thread reads once for all the channel tiles; so do grouped
  // convs (the depthwise template's measurements).
  static bool fewRowsSplitUnevenly(const BlockAnalysis& block, const TargetDesc& target) {
    const std::vector<int>& e = block.out_extents;
    constexpr int kFewRowsPerThread = 8;
    return e.size() == 4 && e[3] == 1 && e[2] % target.threads != 0 &&
           e[2] < kFewRowsPerThread * target.threads && block.anchor_op->attrs.getInt("groups") == 1;
  }

  // Threads may split channel tiles when the output has rows (an image, or a sequence per batch) and no
  // stage streams along them.
  static bool channelSplitAllowed(const BlockAnalysis& block) {
    return block.out_extents.size() >= 3 && !block.strips;
  }

 private:
  // Input channels per reduction block: 0 (none) or a divisor of the anchor's input channels.
  static std::vector<int> kBlockChoices(const BlockAnalysis& block) {
    std::vector<int> choices{0};
    const auto inputs = Halide::Internal::as_const_int(block.anchor->stage.reduction.x.extent());
    if (!inputs) return choices;
    for (int k = 4; k < *inputs; ++k)
      if (*inputs % k == 0) choices.push_back(k);
    return choices;
  }
};

class WinogradTemplate : public ScheduleTemplate {
 public:
  const char* name() const override { return "winograd"; }
  bool matches(const BlockAnalysis& block) const override { return block.winograd != nullptr; }

  // Vectors of output channels whose rounded-up tail stays inside the zero-padded weight panels, by up to a
  // row's tiles (at most as many as leave registers for the weights and an input).
  ParamSpace space(const BlockAnalysis& block, const TargetDesc& target) const override {
    const int channels = block.out_extents[0], vector = vectorWidth(channels, target.vector_lanes);
    const auto roundUp = [](int n, int m) { return (n + m - 1) / m * m; };
    std::vector<int> vectors;
    for (int v = 1; v <= target.tile_vectors; ++v)
      if (roundUp(channels, vector * v) <= roundUp(channels, target.weightPanel())) vectors.push_back(v);
    return {{"vectors", vectors},
            {"pixels", upTo(std::min(static_cast<int>(winograd::tiles(
                                         block.out_extents[1], winograd::tileOf(block.winograd->stage))),
                                     target.vector_registers - 2))},
            {"split", {0, 1}}};
  }

  // Grouped (winograd.h): one vector of channels by a row's tiles in equal groups of at most the accumulator
  // budget; measured on AVX2, 1 x 7 beat 2 x 7 (spills) and 1 x 14 (56-pixel rows, 64 channels: 0.67 against
  // 0.99 and 0.76 ms). Staged: two vectors where the panels allow (256 channels at 14x14: 1.0 ms, against
  // 1.5 ms with one).
  ScheduleConfig defaultConfig(const BlockAnalysis& block, const TargetDesc& target) const override {
    const int tile = winograd::tileOf(block.winograd->stage);
    const int tiles = static_cast<int>(winograd::tiles(block.out_extents[1], tile));
    const int outs = block.out_extents[0];
    const int ins = *Halide::Internal::as_const_int(block.winograd->stage.reduction.x.extent());
    if (winograd::grouped(outs, ins, block.out_extents[1], tile, target)) {
      const int groups = (tiles + target.tile_accumulators - 1) / target.tile_accumulators;
      return {name(), {{"vectors", 1}, {"pixels", (tiles + groups - 1) / groups}, {"split", 0}}};
    }
    const std::vector<int> vectors = space(block, target).at("vectors");
    const int v = std::count(vectors.begin(), vectors.end(), 2) ? 2 : 1;  // {1, 3} for 40 channels of 16
    return {name(),
            {{"vectors", v}, {"pixels", std::min(tiles, target.tile_accumulators / v)}, {"split", 1}}};
  }

  void apply(BlockPipeline& block, const BlockAnalysis& analysis, const ScheduleConfig& config,
             const TargetDesc& target) const override {
    scheduleCpuBlock(block, analysis,
                     CpuTile{config.get("vectors"), config.get("pixels"), config.get("split") == 1}, target);
  }
};

class DenseConvTemplate : public AnchoredTemplate {
 public:
  const char* name() const override { return "dense_conv"; }
  bool matches(const BlockAnalysis& block) const override {
    return block.anchor_op && isConv(*block.anchor_op) && block.anchor_op->attrs.getInt("groups") == 1 &&
           !isPointwise(block);
  }
};

class GemmTemplate : public AnchoredTemplate {
 public:
  const char* name() const override { return "gemm"; }
  bool matches(const BlockAnalysis& block) const override {
    return block.anchor_op && (!isConv(*block.anchor_op) || isPointwise(block));
  }
};

class DepthwiseTemplate : public AnchoredTemplate {
 public:
  const char* name() const override { return "depthwise"; }
  bool matches(const BlockAnalysis& block) const override {
    return block.anchor_op && isConv(*block.anchor_op) && block.anchor_op->attrs.getInt("groups") > 1;
  }

  // A window 5 or more rows tall over narrow rows. At stride 1, a row that one register tile covers (at most
  // the target's accumulators) is one tile: a row of taps then loads fewer inputs per multiply-add (over 14
  // pixels 18 for 70, over 7 pixels 11 for 35). Over rows one tile covers, or at stride 1 over narrow rows
  // whose pixels' channels fill whole vectors (each of a tile's pixels one cache line), threads take channel
  // tiles, each over all its rows: a tile's window stays in L1 from row to row, where split over rows each
  // output row reads every channel's window rows again from L2 (prefetchInputRows, cpu_schedule.cpp, covers
  // the tile's strided reads). Measured (2 threads, 3-4 alternating profiles), against rows in 7-pixel
  // tiles: EfficientNet-B0's 7x7 5x5 + silu blocks 32-34 -> 20-25 us, its 14x14 -> 7x7 stride 2 one 32-37
  // -> 22 us, its 14x14 5x5 ones 44-46 -> 34-35 us and 54-55 -> 42-44 us (before the prefetch; 7-pixel
  // tiles split into channel tiles: no faster; 14-pixel tiles over rows: 42-46 and 57-60 us), MnasNet's
  // 14x14 5x5 ones 33-35 -> 25-28 us, MobileNetV3-Small's 5x5 + hardswish ones 12-20 -> 11-16 us; with the
  // prefetch, EfficientNet-B0's and -B1's 28x28x240 5x5 + silu ones in 7-pixel tiles 63-67 -> 48-52 us (the
  // expand convs before and after them 5-8 us slower in B0). Not: two 14-pixel tiles per 28-pixel row
  // (EfficientNet-B0's 62-64 -> 54-56 us, MobileNetV3-Large's relu + 5x5 31-33 -> 35-40 us); channel tiles
  // over 28-pixel rows of 120 channels (MnasNet's and MobileNetV3-Large's, 480 bytes a pixel: 28-33 -> 45-50
  // us), at stride 2 (EfficientNet-B0's 56 -> 28 5x5: 51-55 -> 54-61 us; in 14-pixel tiles 48 -> 70 us);
  // with 3x3 windows (split, EfficientNet-B0's 14x14 ones 23-28 -> 30-33 us in 14-pixel tiles, MobileNetV2's
  // 14-15 -> 17-19 us; its 7x7x960 + relu6 in 7-pixel tiles 9-10 -> 14-17 us; its 28x28x192 one 30 -> 24 us
  // but the block after it 68 -> 75 us).
  ScheduleConfig defaultConfig(const BlockAnalysis& block, const TargetDesc& target) const override {
    ScheduleConfig config = AnchoredTemplate::defaultConfig(block, target);
    const std::vector<int>& e = block.out_extents;
    if (e.size() != 4 || !hasTallWindow(block.anchor->stage)) return config;
    const bool narrow_at_stride_1 = allEqual(*block.anchor_op, "stride", 1) && config.get("vectors") == 1;
    if (narrow_at_stride_1 && e[1] <= target.tile_accumulators) config.params["pixels"] = e[1];
    const bool one_tile_per_row = config.get("pixels") == e[1];
    const bool line_per_pixel = narrow_at_stride_1 && e[0] % target.vector_lanes == 0;
    if ((one_tile_per_row || line_per_pixel) && channelSplitAllowed(block)) config.params["split"] = 1;
    return config;
  }
};

// No anchor: outputs vectorized and parallel over rows; reductions computed per strip or whole.
class UnanchoredTemplate : public ScheduleTemplate {
 public:
  ParamSpace space(const BlockAnalysis& block, const TargetDesc&) const override {
    return {{"strip_rows", stripRowChoices(block)}};
  }
  ScheduleConfig defaultConfig(const BlockAnalysis& block, const TargetDesc&) const override {
    return {name(), {{"strip_rows", defaultStripRows(block)}}};
  }
  void apply(BlockPipeline& block, const BlockAnalysis& analysis, const ScheduleConfig& config,
             const TargetDesc& target) const override {
    CpuTile tile;
    tile.strip_rows = config.get("strip_rows");
    scheduleCpuBlock(block, analysis, tile, target);
  }
};

class ReductionTemplate : public UnanchoredTemplate {
 public:
  const char* name() const override { return "reduction"; }
  bool matches(const BlockAnalysis& block) const override { return !block.anchor && block.has_stages; }
};

class ElementwiseTemplate : public UnanchoredTemplate {
 public:
  const char* name() const override { return "elementwise"; }
  bool matches(const BlockAnalysis&) const override { return true; }
};

}  // namespace

const std::vector<std::unique_ptr<ScheduleTemplate>>& cpuTemplates() {
  static const auto templates = [] {
    std::vector<std::unique_ptr<ScheduleTemplate>> list;
    list.push_back(std::make_unique<WinogradTemplate>());
    list.push_back(std::make_unique<DenseConvTemplate>());
    list.push_back(std::make_unique<GemmTemplate>());
    list.push_back(std::make_unique<DepthwiseTemplate>());
    list.push_back(std::make_unique<ReductionTemplate>());
    list.push_back(std::make_unique<ElementwiseTemplate>());
    return list;
  }();
  return templates;
}

}  // namespace kiln::codegen
