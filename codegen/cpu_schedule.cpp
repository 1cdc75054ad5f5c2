#include "codegen/cpu_schedule.h"

#include <algorithm>
#include <map>

#include "codegen/winograd.h"

namespace kiln::codegen {
namespace {

using Halide::Func;
using Halide::TailStrategy;
using Halide::Var;

// The widest power-of-two vector of at most `natural` lanes that divides `extent`; 1 below 4. Reductions need
// it: their updates cannot recompute a shifted tail, and a guarded vector tail still loads past the end.
int dividingVectorWidth(int extent, int natural) {
  int width = vectorWidth(extent, natural);
  while (width > 1 && extent % width != 0) width /= 2;
  return width >= 4 ? width : 1;
}

// Where a tiled Func's accumulators can be computed: per register tile, or (reductions blocked by
// k_block) once per tile of output channels, and the tile that made those loops.
struct TileLevels {
  Halide::LoopLevel tile, channel_tile;
  CpuTile shape;
};

// Splits f's two innermost dimensions into a register tile (channels vectorized and unrolled, pixels
// unrolled) and orders the tiles: channel tiles inside pixel tiles, or with `split_channels` outermost (over
// the rows as well). Returns the loop levels accumulators are computed at.
TileLevels tileLoops(Func f, int vector, const CpuTile& tile) {
  const std::vector<Var> args = f.args();
  const std::string name = f.name();
  Var co(name + "_co"), ci(name + "_ci"), xo(name + "_xo"), xi(name + "_xi");
  f.split(args[0], co, ci, vector * tile.vectors, TailStrategy::ShiftInwards)
      .split(args[1], xo, xi, tile.pixels, TailStrategy::ShiftInwards);
  if (tile.split_channels)
    f.reorder(ci, xi, xo, args[2], co);
  else
    f.reorder(ci, xi, co, xo);
  if (vector > 1) f.vectorize(ci, vector);
  f.unroll(ci).unroll(xi);
  return {Halide::LoopLevel(f, tile.split_channels ? xo : co), Halide::LoopLevel(f, co), tile};
}

// `extent` rounded up to whole tiles of `tile`: what tiles of that size compute of it.
int coveredBy(int extent, int tile) {
  return (extent + tile - 1) / tile * tile;
}

// The pixels per register tile, at most `most`, whose tiles cover a row of `width` with the fewest extra
// pixels (a shifted tail recomputes them); among equals the widest.
int leastWastefulPixels(int width, int most) {
  int best = std::min(width, most);
  for (int pixels = best - 1; pixels >= (most + 1) / 2; --pixels)
    if (coveredBy(width, pixels) < coveredBy(width, best)) best = pixels;
  return best;
}

// A depthwise conv's accumulator (one input channel per group, channel multipliers included).
bool isDepthwise(const Stage& accumulator) {
  return accumulator.group_width > 0 && Halide::Internal::is_const_one(accumulator.reduction.x.extent());
}

// A grouped conv (not depthwise) whose vectors of output channels each lie inside one group: each vector
// broadcasts the inputs of its own group, so a tile's vectors share no loads, and only its pixels share
// the weights.
bool broadcastsPerVector(const Stage& accumulator, int vector) {
  return accumulator.group_width > 0 && !isDepthwise(accumulator) && accumulator.group_width % vector == 0;
}

// The accumulator of one tile lives in registers: its reduction runs outside the unrolled tile loops. A
// depthwise conv's row of taps is unrolled too, so that neighbouring pixels share the loads of the inputs
// their windows overlap on (a 7-pixel tile of a 5x5 window: 11 input loads per row of taps instead of 35).
void accumulateInTile(const Stage& stage, int vector, const Halide::LoopLevel& at) {
  Func acc = stage.tensor.func;
  const std::vector<Var> args = acc.args();
  acc.compute_at(at);
  if (vector > 1) acc.vectorize(args[0], vector);
  acc.unroll(args[0]).unroll(args[1]);
  Halide::Stage update = acc.update();
  std::vector<Halide::VarOrRVar> order{args[0], args[1]};
  for (int d = 0; d < stage.reduction.dimensions(); ++d) order.push_back(stage.reduction[d]);
  update.reorder(order);
  if (vector > 1) update.vectorize(args[0], vector);
  update.unroll(args[0]).unroll(args[1]);
  if (isDepthwise(stage)) update.unroll(stage.reduction[1]);
}

// Whether an accumulator's reduction is blocked by the tile's k_block: only with threads splitting channel
// tiles, and only by a proper divisor of its input channels.
bool blocksReduction(const Stage& stage, const CpuTile& tile) {
  if (!tile.split_channels || tile.k_block <= 0) return false;
  const auto inputs = Halide::Internal::as_const_int(stage.reduction.x.extent());
  return inputs && *inputs > tile.k_block && *inputs % tile.k_block == 0;
}

// A weight-heavy accumulator whose threads split output-channel tiles, its reduction blocked by `k_block`
// input channels: the tile's sums for the whole image are kept in a buffer at the channel-tile level, and
// each block of weights (the tile's channels by the taps by k_block inputs) is swept over every pixel tile
// while it is in cache, instead of streaming all the tile's weights from memory once per pixel tile. The
// sums cross the registers once per block.
void accumulateBlocked(const Stage& stage, int vector, const TileLevels& at) {
  Func acc = stage.tensor.func;
  const std::vector<Var> args = acc.args();
  acc.compute_at(at.channel_tile);
  if (vector > 1) acc.vectorize(args[0], vector);
  Halide::Stage update = acc.update();
  Var xo(acc.name() + "_xo"), xi(acc.name() + "_xi");
  Halide::RVar ko(acc.name() + "_ko"), ki(acc.name() + "_ki");
  update.split(args[1], xo, xi, at.shape.pixels, TailStrategy::GuardWithIf)
      .split(stage.reduction.x, ko, ki, at.shape.k_block);
  std::vector<Halide::VarOrRVar> order{args[0], xi, ki};
  for (int d = 1; d < stage.reduction.dimensions(); ++d) order.push_back(stage.reduction[d]);
  order.push_back(xo);
  for (size_t d = 2; d < args.size(); ++d) order.push_back(args[d]);
  order.push_back(ko);
  update.reorder(order);
  if (vector > 1) update.vectorize(args[0], vector);
  update.unroll(args[0]).unroll(xi);
}

// Threads take f's output-channel tiles (tileLoops with split_channels). Each task is one row of one channel
// tile, so that a few tiles still divide evenly (EfficientNet-B0's 7x7 projections have 3 tiles of 64
// channels, and 2 threads taking whole tiles left one idle for a third of the block; a thread's share stays
// one run of rows through one tile's weights, runtime/thread_pool.h: contiguous shares), unless tasks are
// whole tiles: a blocked reduction keeps a tile's sums for the whole image, and a depthwise conv's tiles (one
// or two vectors) are many and read only their own channels, whose window then stays in L1 from row to row.
void parallelizeChannelTiles(Func f, bool whole_tiles) {
  const std::vector<Var> args = f.args();
  const Var channel_tiles(f.name() + "_co");
  if (whole_tiles || args.size() < 3) {
    f.parallel(channel_tiles);
    return;
  }
  const Var tile_rows(f.name() + "_co_rows");
  f.fuse(args[2], channel_tiles, tile_rows).parallel(tile_rows);
}

void accumulate(const Stage& stage, int vector, const TileLevels& at) {
  if (blocksReduction(stage, at.shape))
    accumulateBlocked(stage, vector, at);
  else
    accumulateInTile(stage, vector, at.tile);
}

// Values a thread should read for a parallel split of a small reduction to pay for waking it: a couple of
// microseconds of streaming from cache, against the runtime pool's 0.6 us to start a parallel loop on 2
// threads (`kiln profile`'s block launch line). EfficientNet-B0's 7x7 squeeze pools (56 K values) and its
// classifier's silu + pool (63 K) ran on one thread under the old 64 K, set for Halide's own pool.
constexpr int64_t kReadsPerThreadWake = 1 << 13;

// Parallel over the outermost dimension, down to position `lowest`, that has more than one element, in
// every definition of f.
void parallelizeOutermost(Func f, const std::vector<int>& extents, int lowest) {
  for (int p = static_cast<int>(extents.size()) - 1; p >= lowest; --p) {
    if (extents[p] <= 1) continue;
    f.parallel(f.args()[p]);
    for (int u = 0; u < f.num_update_definitions(); ++u) f.update(u).parallel(f.args()[p]);
    return;
  }
}

class CpuScheduler {
 public:
  CpuScheduler(BlockPipeline& block, const BlockAnalysis& analysis, const CpuTile& tile,
               const TargetDesc& target)
      : block_(block), analysis_(analysis), tile_(tile), target_(target) {}

  void run() {
    Halide::LoopLevel rows = Halide::LoopLevel::root();
    TileLevels tile{Halide::LoopLevel::root(), Halide::LoopLevel::root(), tile_};
    const int channels = analysis_.out_extents.empty() ? 1 : analysis_.out_extents[0];
    const int vector =
        analysis_.anchor ? channelVector(channels, analysis_.anchor->stage.group_width, target_.vector_lanes)
                         : vectorWidth(channels, target_.vector_lanes);
    if (analysis_.winograd) {
      scheduleWinograd();
    } else if (analysis_.anchor) {
      TensorFunc& out = block_.output_funcs[0];
      tile = tileLoops(out.func, vector, tile_);
      const Var channel_tiles(out.func.name() + "_co");
      if (tile_.split_channels) {
        const bool depthwise = isDepthwise(analysis_.anchor->stage);
        parallelizeChannelTiles(out.func, anchorsBlockReduction() || depthwise);
        if (depthwise && out.rank() == 4) prefetchInputRows(out.func);
      } else if (out.rank() == 3) {
        // A sequence of rows (a transformer's tokens): threads take tiles of rows of every batch.
        const Var row_tiles(out.func.name() + "_rows");
        out.func.fuse(Var(out.func.name() + "_xo"), out.func.args()[2], row_tiles).parallel(row_tiles);
      } else {
        rows = parallelizeRows(out.func, analysis_.out_extents);
        if (out.rank() == 2 && analysis_.out_extents[0] >= 2 * vector * tile_.vectors)
          out.func.parallel(channel_tiles);
      }
    } else {
      rows = scheduleOutputs();
    }
    for (const PlacedStage& s : block_.stages) {
      const Placement where = analysis_.placed(s.op);
      if (analysis_.winograd && s.stage.kind != StageKind::PaddedInput) continue;  // scheduleWinograd's
      if (s.stage.kind == StageKind::PaddedInput) {
        copyBorder(s, rows);
      } else if (where == Placement::Anchor) {
        accumulate(s.stage, vector, tile);
        stageComputedOperand(s, block_.output_funcs[0].func, tile_);
      } else if (s.stage.kind == StageKind::Accumulator && s.stage.tensor.rank() >= 2) {
        registerBlockAlone(s, rows);
      } else if (s.stage.kind == StageKind::KeptValue && tilesAccumulator(s.op)) {
        continue;  // scheduled as its accumulator's tile by registerBlockAlone
      } else {
        computeAt(s.stage, where == Placement::Strip, rows);
      }
    }
  }

 private:
  // The output in tiles of the conv's tile side (4x4 or 2x2 pixels), `pixels` tiles along a row per group,
  // groups of every row and image in one parallel loop; each group transforms its windows, sums them over
  // input channels and transforms the sums back into the output. The sums of a group are register-blocked:
  // `vectors` vectors of output channels by its tiles, the reduction over input channels outside; rounded-up
  // tails compute a few unused tiles and channels (the weights are zero-padded to whole panels).
  void scheduleWinograd() {
    Func out = block_.output_funcs[0].func;
    const std::vector<Var> o = out.args();
    const std::string name = out.name();
    Var tx(name + "_tx"), ty(name + "_ty"), xi(name + "_xi"), yi(name + "_yi"), txo(name + "_txo"),
        txi(name + "_txi"), group(name + "_group");
    const int channels = analysis_.out_extents[0], vector = vectorWidth(channels, target_.vector_lanes);
    const int tile = winograd::tileOf(analysis_.winograd->stage);
    out.split(o[2], ty, yi, tile, TailStrategy::GuardWithIf)
        .split(o[1], tx, xi, tile, TailStrategy::GuardWithIf)
        .split(tx, txo, txi, tile_.pixels, TailStrategy::GuardWithIf)
        .reorder(o[0], xi, yi, txi, txo, ty, o[3])
        .fuse(txo, ty, group)
        .fuse(group, o[3], group)
        .parallel(group);
    if (vector > 1) out.vectorize(o[0], vector, TailStrategy::ShiftInwards);
    const Halide::LoopLevel group_level(out, group);
    const Halide::LoopLevel at = tile_.split_channels ? Halide::LoopLevel::root() : group_level;
    for (const PlacedStage& s : block_.stages) {
      Func f = s.stage.tensor.func;
      const std::vector<Var> v = f.args();  // channel, tile x, tile y, image, then the transform's indices
      const int lanes = vectorWidth(halideExtents(s.stage.tensor)[0], target_.vector_lanes);
      if (s.stage.kind == StageKind::WinogradInput) {
        f.compute_at(at).reorder(v[4], v[0], v[1], v[2], v[3]).unroll(v[4]);
        if (tile_.split_channels) f.parallel(v[2]);
        Func rows = s.stage.operand.func;
        rows.compute_at(f, v[1]).unroll(rows.args()[5]);
        if (lanes > 1) {
          f.vectorize(v[0], lanes, TailStrategy::ShiftInwards);
          rows.vectorize(rows.args()[0], lanes, TailStrategy::ShiftInwards);
        }
      } else if (s.stage.kind == StageKind::WinogradProduct) {
        f.compute_at(at);
        if (vector > 1) f.vectorize(v[0], vector, TailStrategy::RoundUp);
        Var co(f.name() + "_co"), ci(f.name() + "_ci"), to(f.name() + "_to"), ti(f.name() + "_ti");
        Halide::Stage sums = f.update();
        sums.split(v[0], co, ci, vector * tile_.vectors, TailStrategy::RoundUp)
            .split(v[1], to, ti, tile_.pixels, TailStrategy::RoundUp)
            .unroll(ci)
            .unroll(ti);
        if (tile_.split_channels)
          sums.reorder({ci, ti, s.stage.reduction.x, to, v[2], v[3], v[4], co}).parallel(co);
        else
          sums.reorder({ci, ti, s.stage.reduction.x, co, to, v[2], v[3], v[4]});
        if (vector > 1) sums.vectorize(ci, vector);
      } else if (s.stage.kind == StageKind::WinogradOutput) {
        f.compute_at(group_level).unroll(v[4]).unroll(v[5]);
        if (vector > 1) f.vectorize(v[0], vector, TailStrategy::RoundUp);
      } else if (s.stage.kind == StageKind::Accumulator) {
        accumulateForGroup(s.stage, group_level);
      }
    }
  }

  // A depthwise conv whose threads take channel tiles reads, for each output row, one cache line per pixel
  // (the tile's channels of it) from rows spread over the whole image, a stride the hardware prefetcher does
  // not follow; the block's inputs are prefetched two output rows ahead. Measured on this project's VM (2
  // threads, 3 alternating profiles), which has phases where these blocks run up to twice as fast: in a
  // slow one EfficientNet-B0's 14x14 5x5 + silu blocks 36-40 -> 30-35 us and 44-53 -> 33-40 us, its 14x14
  // -> 7x7 stride 2 one 21-26 -> 18-22 us, its 7x7 ones no faster (one row ahead: about half the gain); in a
  // fast one 20-23 -> 23-26 us, 26-30 -> 27-31 us and 7x7 ones 10 % slower. Not over rows: a row's pixels
  // are contiguous, and prefetched its 3x3 blocks ran 5-40 % slower.
  void prefetchInputRows(Func out) {
    constexpr int kRowsAhead = 2;
    const Var rows = out.args()[2];
    for (int k = 0; k < block_.input_params; ++k)
      if (block_.params[k].dimensions() == 4) out.prefetch(block_.params[k], rows, rows, kRowsAhead);
  }

  // A 1x1 conv whose operand inlined elementwise ops compute (relu6 of a depthwise stage, a residual add of
  // the block's inputs, an activation of its input): inlined, every multiply-add of every channel tile
  // recomputes them, scalar, and the broadcast can no longer be folded into the FMA's memory operand. So the
  // operand is staged, vectorized over all input channels: per pixel tile of `tiled` (the Func whose register
  // tiles hold the conv's sums: the block's output for an anchor, else registerBlockAlone's), the tile's sums
  // reading it back from L1; or, when threads split output-channel tiles (each would recompute it for its own
  // tiles), once for the whole image, parallel over rows. A linear's rank-3 operand is staged per pixel tile
  // either way, but not when its reduction is blocked by input channels, whose sums are not computed per
  // pixel tile. Measured (2 threads, alternating profiles):
  // MobileNetV2's depthwise+relu6+1x1 blocks 0.13-0.70 -> 0.10-0.38 ms; then operands of the block's inputs,
  // relative to the unchanged blocks of the same runs: MobileNetV2's 11 blocks so staged 4-41 % faster (most
  // 10-20 %), RegNetX-800MF's relu+1x1+add blocks 10-19 %, MobileNetV3-Large's add+1x1 17-36 %, ResNet-50's
  // four channel-split blocks about 4 % (0.89-1.02 of before).
  void stageComputedOperand(const PlacedStage& conv, Func tiled, const CpuTile& tile) {
    const Stage& stage = conv.stage;
    if (!computesOperand(block_, conv)) return;
    Func operand = stage.operand.func;
    Func staged = operand.in(stage.tensor.func);
    if (tile.split_channels && staged.dimensions() == 4) {
      staged.compute_root().parallel(staged.args()[2]);
    } else if (!blocksReduction(stage, tile)) {
      staged.compute_at(tiled, Var(tiled.name() + "_xo"));
    } else {
      return;
    }
    // Vectors along the operand's innermost stored dimension, as wide as its extent allows: a conv's input
    // channels, but the heads of an attention matmul's NHWC probabilities (12 in ViT-B/16, where vectors as
    // wide as its 197 keys read before the buffer).
    const int vector = vectorWidth(halideExtents(stage.operand)[0], target_.vector_lanes);
    if (vector > 1) staged.vectorize(staged.args()[0], vector, TailStrategy::ShiftInwards);
  }

  // A residual's 1x1 downsample conv in a Winograd block (winograd.h): computed for the group's pixels, one
  // vector of channels by 4 pixels per register tile. It is a small fraction of the block's work.
  void accumulateForGroup(const Stage& stage, const Halide::LoopLevel& group) {
    Func acc = stage.tensor.func;
    const std::vector<Var> a = acc.args();
    const int lanes = dividingVectorWidth(halideExtents(stage.tensor)[0], target_.vector_lanes);
    acc.compute_at(group);
    Var co(acc.name() + "_co"), ci(acc.name() + "_ci"), xo(acc.name() + "_xo"), xi(acc.name() + "_xi");
    Halide::Stage update = acc.update();
    update.split(a[0], co, ci, lanes).split(a[1], xo, xi, 4, TailStrategy::GuardWithIf);
    std::vector<Halide::VarOrRVar> order{ci, xi};
    for (int d = 0; d < stage.reduction.dimensions(); ++d) order.push_back(stage.reduction[d]);
    order.push_back(co);
    order.push_back(xo);
    update.reorder(order).unroll(xi);
    if (lanes > 1) {
      acc.vectorize(a[0], lanes);
      update.vectorize(ci);
    }
  }

  // An accumulator read by something other than the output tile (a streamed or staged conv): the output it
  // alone feeds (placement.h's tiledOutputs), or the kept value it alone feeds (tiledKeptValues), or else a
  // wrapper Func taking its place for its readers, is tiled like an anchored output, with its
  // accumulatorTile, and placed where that Func's value lives. Staged whole with more weights than
  // channelSplitWeights, its threads split output-channel tiles, as an anchor's would.
  void registerBlockAlone(const PlacedStage& placed, const Halide::LoopLevel& strip) {
    const Stage& stage = placed.stage;
    Func acc = stage.tensor.func;
    const std::vector<int> extents = halideExtents(stage.tensor);
    const int vector = channelVector(extents[0], stage.group_width, target_.vector_lanes);
    auto tiled_output = analysis_.tiled_outputs.find(placed.op);
    auto tiled_kept = analysis_.tiled_kept_values.find(placed.op);
    bool in_strip = analysis_.placed(placed.op) == Placement::Strip;
    Func wrapper;
    if (tiled_output != analysis_.tiled_outputs.end()) {
      // Several accumulators summed into one output (a residual's conv and its downsample) share its tile.
      auto tiled = output_tiles_.find(tiled_output->second);
      if (tiled != output_tiles_.end()) return accumulate(stage, vector, tiled->second);
      wrapper = block_.output_funcs[tiled_output->second].func;
    } else if (tiled_kept != analysis_.tiled_kept_values.end()) {
      wrapper = keptValue(tiled_kept->second);
      in_strip = analysis_.placed(tiled_kept->second) == Placement::Strip;
    } else {
      wrapper = acc.in();
    }
    CpuTile tile = accumulatorTile(stage, extents, target_);
    tile.split_channels = !in_strip && extents.size() >= 3 &&
                          weightBytes(stage) > channelSplitWeights(computesOperand(block_, placed), target_);
    if (tile.split_channels) tile.k_block = defaultKBlock(stage, vector * tile.vectors, target_);
    const TileLevels levels = tileLoops(wrapper, vector, tile);
    if (tiled_output != analysis_.tiled_outputs.end()) output_tiles_.emplace(tiled_output->second, levels);
    if (in_strip) {
      wrapper.compute_at(strip);
    } else {
      wrapper.compute_root();
      if (tile.split_channels)
        parallelizeChannelTiles(wrapper, blocksReduction(stage, tile));
      else
        parallelizeOutermost(wrapper, extents, 2);  // dimensions 0 and 1 form the register tiles
      if (!tile.split_channels && extents.size() == 4) copyBorderPerRow(placed.op, wrapper);
    }
    accumulate(stage, vector, levels);
    stageComputedOperand(placed, wrapper, tile);
  }

  // The padded input of a conv staged whole in a block without strips, when it reads other stages (which
  // copyBorder leaves inlined), is copied per row of the conv's output: the rows and halo that row reads,
  // vectorized over channels, so the reduction's taps are plain loads instead of a select (and the inlined
  // activation) per multiply-add. RegNetX-800MF's stem block: its grouped 3x3 conv read its padded input
  // inlined at about 105 GFLOP/s.
  void copyBorderPerRow(int op, Func conv_output) {
    for (const PlacedStage& s : block_.stages) {
      if (s.op != op || s.stage.kind != StageKind::PaddedInput || !readsStagedValues(block_, op)) continue;
      vectorizedOverChannels(s.stage).compute_at(conv_output, conv_output.args()[2]);
    }
  }

  // A padded input's copy, vectorized over its channels (innermost).
  Func vectorizedOverChannels(const Stage& padded) {
    Func f = padded.tensor.func;
    const int vector = vectorWidth(halideExtents(padded.tensor)[0], target_.vector_lanes);
    if (vector > 1) f.vectorize(f.args()[0], vector, TailStrategy::ShiftInwards);
    return f;
  }

  // A conv's zero-padded input is copied, vectorized over channels: once, parallel over rows, when it reads
  // only the block's inputs; per strip (the strip's rows and halo) when it reads stages computed per strip.
  // Inlined instead, every tap selects between the border and the value: VGG-11's max_pool2d+conv2d blocks
  // ran at 39% of the roofline so. Reading stages of a block without strips (several outputs), it is left to
  // its conv (copyBorderPerRow): copied whole after them, RegNetX-800MF's stem block went from 1.7 to 3.8 ms.
  // An input larger than the cache budget, of a conv computed within the output's rows, is copied per row or
  // strip too: copied whole it is written to memory and read back (RegNetX-800MF's grouped 3x3 s2 conv over
  // 112x112x64: 0.44 -> 0.26 ms). Not when its channels fill no vector (a stem conv's 3): the copy per
  // row, 3.5 times over for a 7x7 s2 window, is then scalar, and measured 2-3 % slower.
  void copyBorder(const PlacedStage& s, const Halide::LoopLevel& strip) {
    const bool reads_stages = readsStagedValues(block_, s.op);
    if (reads_stages && !analysis_.strips) return;
    Func f = vectorizedOverChannels(s.stage);
    const std::vector<int> extents = halideExtents(s.stage.tensor);
    if (reads_stages || copiedPerOutputRow(s, extents)) {
      f.compute_at(strip);
      return;
    }
    f.compute_root();
    parallelizeOutermost(f, extents, 1);
  }

  bool copiedPerOutputRow(const PlacedStage& padded, const std::vector<int>& extents) const {
    const Placement conv = analysis_.placed(padded.op);
    const bool within_rows =
        conv == Placement::Strip ||
        (conv == Placement::Anchor && !tile_.split_channels && analysis_.out_extents.size() == 4);
    int64_t bytes = sizeof(float);
    for (int e : extents) bytes *= e;
    return within_rows && extents[0] >= target_.vector_lanes && bytes > target_.weightsKeptInCache();
  }

  bool anchorsBlockReduction() const {
    return std::any_of(analysis_.anchors.begin(), analysis_.anchors.end(),
                       [&](const PlacedStage* anchor) { return blocksReduction(anchor->stage, tile_); });
  }

  // Parallel loops over the output's rows (and batch); returns the loop level strips are computed at.
  Halide::LoopLevel parallelizeRows(Func out, const std::vector<int>& extents) {
    const std::vector<Var> args = out.args();
    const int rank = static_cast<int>(args.size());
    if (rank < 3) return Halide::LoopLevel::root();
    const Var rows = args[rank == 4 ? 2 : rank - 1];
    if (rank == 4 && extents[3] > 1) out.parallel(args[3]);
    const int strip = rank == 4 && analysis_.strips ? tile_.strip_rows : 1;
    if (strip > 1) {
      Var strip_index(out.name() + "_strip");
      out.split(rows, strip_index, rows, strip, TailStrategy::ShiftInwards).parallel(strip_index);
      return Halide::LoopLevel(out, strip_index);
    }
    out.parallel(rows);
    return Halide::LoopLevel(out, rows);
  }

  // Outputs without an anchor: vectorized along the innermost dimension, parallel over rows.
  Halide::LoopLevel scheduleOutputs() {
    Halide::LoopLevel rows = Halide::LoopLevel::root();
    for (size_t k = 0; k < block_.output_funcs.size(); ++k) {
      TensorFunc& out = block_.output_funcs[k];
      if (out.rank() == 0 || tiledOutput(static_cast<int>(k))) continue;
      const std::vector<int> extents = halideExtents(out);
      const int vector = vectorWidth(extents[0], target_.vector_lanes);
      if (vector > 1) out.func.vectorize(out.func.args()[0], vector, TailStrategy::ShiftInwards);
      rows = parallelizeRows(out.func, extents);
      if (out.rank() == 2 && extents[1] > 1) out.func.parallel(out.func.args()[1]);
    }
    return block_.output_funcs.size() == 1 ? rows : Halide::LoopLevel::root();
  }

  bool tilesAccumulator(int kept_op) const {
    return std::any_of(analysis_.tiled_kept_values.begin(), analysis_.tiled_kept_values.end(),
                       [&](const auto& tiled) { return tiled.second == kept_op; });
  }

  // The Func of `op`'s KeptValue stage, which tiledKeptValues found.
  Func keptValue(int op) const {
    return std::find_if(
               block_.stages.begin(), block_.stages.end(),
               [&](const PlacedStage& s) { return s.op == op && s.stage.kind == StageKind::KeptValue; })
        ->stage.tensor.func;
  }

  bool tiledOutput(int output) const {
    return std::any_of(analysis_.tiled_outputs.begin(), analysis_.tiled_outputs.end(),
                       [&](const auto& tiled) { return tiled.second == output; });
  }

  // Vectorizes every definition of f along its innermost dimension, as wide as `stage`'s innermost extent
  // divides (f: the stage's Func, or the partial results rfactor made of it).
  void vectorizeInner(const Stage& stage, Func f) {
    if (stage.tensor.rank() == 0) return;
    const int vector = dividingVectorWidth(halideExtents(stage.tensor)[0], target_.vector_lanes);
    if (vector == 1) return;
    const Var inner = f.args()[0];
    f.vectorize(inner, vector);
    for (int u = 0; u < f.num_update_definitions(); ++u) f.update(u).vectorize(inner, vector);
  }

  // A window or axis reduction: vectorized along its innermost dimension, and when staged whole, parallel
  // over its outermost dimension of more than one element, or, when that is the only one (a global pool's
  // sums), over chunks of what it reduces.
  void computeAt(const Stage& stage, bool in_strip, const Halide::LoopLevel& strip) {
    Func f = stage.tensor.func;
    const std::vector<int> extents = halideExtents(stage.tensor);
    const bool global =
        !extents.empty() && std::all_of(extents.begin() + 1, extents.end(), [](int e) { return e == 1; });
    if (!in_strip && global && readsManyPerThread(stage, extents[0])) {
      f.compute_root();
      reduceChunksInParallel(stage);
      vectorizeInner(stage, f);
      return;
    }
    vectorizeInner(stage, f);
    if (in_strip) {
      f.compute_at(strip);
      return;
    }
    f.compute_root();
    if (!global) parallelizeOutermost(f, extents, 1);
  }

  // Whether a reduction reads enough values that splitting it among the threads pays for waking them.
  bool readsManyPerThread(const Stage& stage, int channels) const {
    if (!stage.reduction.defined() || target_.threads < 2) return false;
    int64_t reads = channels;
    for (int d = 0; d < stage.reduction.dimensions(); ++d) {
      const auto extent = Halide::Internal::as_const_int(stage.reduction[d].extent());
      if (!extent) return false;
      reads *= *extent;
    }
    return reads / target_.threads >= kReadsPerThreadWake;
  }

  // A global reduction (a squeeze's pool: one sum per channel) in two passes (Halide's rfactor): threads
  // take chunks of its outermost reduction dimension, each summing into its own partial result, and one
  // short pass adds up the chunks. A chunk is one element of that dimension (an image's row: every pixel's
  // channels read contiguously into one vector accumulator per vector of channels), or of a reduction over
  // one dimension, a quarter of a thread's share. Split over vectors of channels instead, each thread walked
  // the whole image through one accumulator, a chain of dependent adds over strided loads; in chunks of half
  // the rows, a worker that joined late held up the loop for a whole half. Measured on EfficientNet-B0's
  // 56x56x144 squeeze-excitation block (2 threads, 4 alternating runs in one of this VM's slow phases):
  // channel vectors 142-151 us, halves 167-181 us, eighths 133-134 us, rows 115-117 us (pairs of rows the
  // same); in a fast phase channel vectors and rows both 113-115 us.
  void reduceChunksInParallel(const Stage& stage) {
    Func f = stage.tensor.func;
    const int dimensions = stage.reduction.dimensions();
    const Halide::RVar outer = stage.reduction[dimensions - 1];
    const int extent = static_cast<int>(*Halide::Internal::as_const_int(outer.extent()));
    const int chunk = dimensions > 1 ? 1 : (extent + 4 * target_.threads - 1) / (4 * target_.threads);
    Halide::RVar chunks(f.name() + "_chunks"), within(f.name() + "_within");
    const Var chunk_index(f.name() + "_chunk");
    Func partial = f.update()
                       .split(outer, chunks, within, chunk, TailStrategy::GuardWithIf)
                       .rfactor(chunks, chunk_index);
    const Var channels = partial.args()[0];
    std::vector<Halide::VarOrRVar> order{channels};
    for (int d = 0; d + 1 < dimensions; ++d) order.push_back(stage.reduction[d]);
    order.push_back(within);
    partial.compute_root();
    partial.update().reorder(order).parallel(chunk_index);
    vectorizeInner(stage, partial);
  }

  BlockPipeline& block_;
  const BlockAnalysis& analysis_;
  const CpuTile tile_;
  const TargetDesc& target_;
  std::map<int, TileLevels> output_tiles_;  // output index -> the loops its tile is computed at
};

}  // namespace

int vectorWidth(int extent, int natural) {
  int width = 1;
  while (width * 2 <= std::min(extent, natural)) width *= 2;
  return width >= 4 ? width : 1;
}

int channelVector(int channels, int group_width, int natural) {
  const int width = vectorWidth(channels, natural);
  for (int lanes = width; group_width > 0 && lanes >= std::max(4, width / 2); lanes /= 2)
    if (group_width % lanes == 0) return lanes;
  return width;
}

// The tile that does the most useful multiply-adds per step within the target's accumulator budget (for a
// conv without a window, pointwise_accumulators): tiles that a shifted tail makes overlap (7 pixels in tiles
// of 6, 64 channels in tiles of 24) waste work. Among equals, a conv without a spatial window takes the one
// that wastes the least in at least two vectors, then any takes the one with the fewest loads per step
// (vectors + pixels). Over rows of 7, 2 x 7 and 4 x 4 do the same useful work, but 4 x 4 computes 8 pixels
// for 7: measured on AMD Zen 4 (avx512, 2 threads, 4 alternating runs), ResNet-50's 7x7 1x1 convs ran 9-14 %
// faster in 2 x 7 (its 3x3 ones 3.5 % slower), and in 4 x 7, once 28 accumulators were allowed, 2-11 %
// faster again.
CpuTile defaultTile(const std::vector<int>& extents, const TargetDesc& target, int group_width,
                    bool has_window) {
  const int vector = channelVector(extents[0], group_width, target.vector_lanes);
  CpuTile best;
  double best_score = 0, best_useful = 0;
  const int max_vectors = std::clamp(extents[0] / vector, 1, target.tile_vectors);
  const int accumulators = has_window ? target.tile_accumulators : target.pointwise_accumulators;
  for (int vectors = 1; vectors <= max_vectors; ++vectors) {
    for (int pixels = 1; pixels <= std::min(extents[1], accumulators / vectors); ++pixels) {
      const int channels = std::min(extents[0], vector * vectors);
      const double useful = static_cast<double>(extents[0]) / coveredBy(extents[0], channels) * extents[1] /
                            coveredBy(extents[1], pixels);
      const double score = vectors * pixels * useful;
      // Compared as (score, tie_useful, fewest loads), each within rounding.
      const double tie_useful = !has_window && vectors >= 2 ? useful : 0;
      const bool better =
          score > best_score + 1e-9 ||
          (score > best_score - 1e-9 &&
           (tie_useful > best_useful + 1e-9 ||
            (tie_useful > best_useful - 1e-9 && vectors + pixels < best.vectors + best.pixels)));
      if (better) {
        best_score = score;
        best_useful = tie_useful;
        best.vectors = vectors;
        best.pixels = pixels;
      }
    }
  }
  return best;
}

bool hasSpatialWindow(const Stage& accumulator) {
  const Halide::RDom& r = accumulator.reduction;
  return r.dimensions() >= 3 &&
         !(Halide::Internal::is_const_one(r[1].extent()) && Halide::Internal::is_const_one(r[2].extent()));
}

int64_t channelSplitWeights(bool computed_operand, const TargetDesc& target) {
  return computed_operand ? target.l2_bytes : target.weightsKeptInCache();
}

CpuTile accumulatorTile(const Stage& accumulator, const std::vector<int>& extents, const TargetDesc& target) {
  CpuTile tile = defaultTile(extents, target, accumulator.group_width, hasSpatialWindow(accumulator));
  const int vector = channelVector(extents[0], accumulator.group_width, target.vector_lanes);
  if (broadcastsPerVector(accumulator, vector)) {
    tile.vectors = std::clamp(extents[0] / vector, 1, 2);
    tile.pixels = leastWastefulPixels(extents[1], target.tile_accumulators / tile.vectors);
    return tile;
  }
  if (!isDepthwise(accumulator)) return tile;
  constexpr int kNarrowRow = 32, kRowTile = 8;
  if (extents[1] <= kNarrowRow) {
    tile.vectors = 1;
    tile.pixels = leastWastefulPixels(extents[1], kRowTile);
  } else {
    tile.vectors = std::clamp(extents[0] / vector, 1, 2);
    tile.pixels = 4;
  }
  return tile;
}

int defaultKBlock(const Stage& accumulator, int tile_channels, const TargetDesc& target) {
  const Halide::RDom& r = accumulator.reduction;
  const auto inputs = Halide::Internal::as_const_int(r.x.extent());
  if (!inputs) return 0;
  int64_t bytes_per_input = tile_channels * static_cast<int64_t>(sizeof(float));  // times the taps
  for (int d = 1; d < r.dimensions(); ++d) bytes_per_input *= *Halide::Internal::as_const_int(r[d].extent());
  const auto fits = [&](int64_t k) { return bytes_per_input * k <= target.weightsKeptInCache(); };
  if (fits(*inputs)) return 0;
  for (int k = static_cast<int>(*inputs) / 2; k >= 4; --k)
    if (*inputs % k == 0 && fits(k)) return k;
  return 0;
}

void scheduleCpuBlock(BlockPipeline& block, const BlockAnalysis& analysis, const CpuTile& tile,
                      const TargetDesc& target) {
  CpuScheduler(block, analysis, tile, target).run();
}

}  // namespace kiln::codegen
