#include "codegen/schedule.h"

#include <algorithm>
#include <mutex>

#include "codegen/gpu_schedule.h"
#include "codegen/placement.h"
#include "ir/error.h"

namespace kiln::codegen {
namespace {

using Halide::Func;
using Halide::TailStrategy;
using Halide::Var;

constexpr const char* kAutoschedulerPlugin = KILN_MULLAPUDI2016_PLUGIN;

// The widest power-of-two vector of at most `natural` lanes that fits in `extent`; 1 (no vectors) below 4.
int vectorWidth(int extent, int natural) {
  int width = 1;
  while (width * 2 <= std::min(extent, natural)) width *= 2;
  return width >= 4 ? width : 1;
}

// The widest power-of-two vector of at most `natural` lanes that divides `extent`; 1 below 4. Reductions need
// it: their updates cannot recompute a shifted tail, and a guarded vector tail still loads past the end.
int dividingVectorWidth(int extent, int natural) {
  int width = vectorWidth(extent, natural);
  while (width > 1 && extent % width != 0) width /= 2;
  return width >= 4 ? width : 1;
}

// Half of this machine's 2 MiB L2: weights above it are re-read from memory if rows loop outside channels.
constexpr int64_t kWeightsKeptInCache = 1 << 20;

// A register tile: `vectors` vectors of `vector` lanes of channels (the innermost dimension) by `pixels`
// positions of the next dimension.
struct RegisterTile {
  int vector = 1, vectors = 1, pixels = 1;
};

// How many vector registers a tile's accumulators may take, and in how many vectors of channels, leaving
// registers for the weight vectors and the broadcast inputs: AVX-512 has 32 (4 x 5 tiles), AVX2 16 (2 x 6),
// NEON 32 of only 4 lanes (4 x 6, 16 channels by 6 pixels).
struct RegisterBudget {
  int accumulators = 12, vectors = 2;
};

RegisterBudget registerBudget(const Halide::Target& target) {
  if (target.arch == Halide::Target::ARM) return {24, 4};
  if (target.has_feature(Halide::Target::AVX512)) return {20, 4};
  return {12, 2};
}

class BlockScheduler {
 public:
  BlockScheduler(BlockPipeline& block, const Halide::Target& target)
      : block_(block), natural_(target.natural_vector_size<float>()), budget_(registerBudget(target)) {}

  void run() {
    const std::map<int, Placement> placement = placeStages(block_);
    auto placed = [&](int op) {
      auto it = placement.find(op);
      return it == placement.end() ? Placement::Root : it->second;
    };
    bool anchored = false, strips = false;
    for (const PlacedStage& s : block_.stages) {
      anchored = anchored || placed(s.op) == Placement::Anchor;
      strips = strips || placed(s.op) == Placement::Strip;
    }
    Halide::LoopLevel rows = Halide::LoopLevel::root(), tile = Halide::LoopLevel::root();
    if (anchored) {
      TensorFunc& out = block_.output_funcs[0];
      const RegisterTile shape = tileFor(halideExtents(out));
      tile = tileLoops(out.func, shape);
      const Var channel_tiles(out.func.name() + "_co");
      if (out.rank() == 4 && !strips && anchorWeightBytes(placement) > kWeightsKeptInCache) {
        // Weights too big to stay in cache while rows stream by: loop over channel tiles outermost, so each
        // tile's weights are read once and the (smaller) input is what gets re-read.
        out.func.reorder(Var(out.func.name() + "_xo"), out.func.args()[2], channel_tiles)
            .parallel(channel_tiles);
      } else {
        rows = parallelizeRows(out.func, halideExtents(out), strips);
        if (out.rank() == 2 && halideExtents(out)[0] >= 2 * shape.vector * shape.vectors)
          out.func.parallel(channel_tiles);
      }
    } else {
      rows = scheduleOutputs(strips);
    }
    for (const PlacedStage& s : block_.stages) {
      const Placement where = placed(s.op);
      if (where == Placement::Anchor)
        accumulateInTile(s.stage, tileFor(halideExtents(block_.output_funcs[0])), tile);
      else if (s.stage.kind == StageKind::Accumulator && s.stage.tensor.rank() >= 2)
        registerBlockAlone(s.stage, where == Placement::Strip, rows);
      else
        computeAt(s.stage, where == Placement::Strip, rows);
    }
  }

 private:
  // The weight bytes the anchors read: output channels times the reduction size of each, in floats.
  int64_t anchorWeightBytes(const std::map<int, Placement>& placement) const {
    int64_t bytes = 0;
    for (const PlacedStage& s : block_.stages) {
      if (placement.count(s.op) == 0 || placement.at(s.op) != Placement::Anchor) continue;
      int64_t size = halideExtents(s.stage.tensor)[0] * static_cast<int64_t>(sizeof(float));
      for (int d = 0; d < s.stage.reduction.dimensions(); ++d)
        size *= *Halide::Internal::as_const_int(s.stage.reduction[d].extent());
      bytes += size;
    }
    return bytes;
  }

  RegisterTile tileFor(const std::vector<int>& extents) const {
    RegisterTile tile;
    tile.vector = vectorWidth(extents[0], natural_);
    tile.vectors = std::clamp(extents[0] / tile.vector, 1, budget_.vectors);
    tile.pixels = std::clamp(budget_.accumulators / tile.vectors, 1, extents[1]);
    return tile;
  }

  // Splits f's two innermost dimensions into a register tile (channels vectorized and unrolled, pixels
  // unrolled); returns the loop level one tile is computed at.
  static Halide::LoopLevel tileLoops(Func f, const RegisterTile& tile) {
    const std::vector<Var> args = f.args();
    const std::string name = f.name();
    Var co(name + "_co"), ci(name + "_ci"), xo(name + "_xo"), xi(name + "_xi");
    f.split(args[0], co, ci, tile.vector * tile.vectors, TailStrategy::ShiftInwards)
        .split(args[1], xo, xi, tile.pixels, TailStrategy::ShiftInwards)
        .reorder(ci, xi, co, xo);
    if (tile.vector > 1) f.vectorize(ci, tile.vector);
    f.unroll(ci).unroll(xi);
    return Halide::LoopLevel(f, co);
  }

  // The accumulator of one tile lives in registers: its reduction runs outside the unrolled tile loops.
  static void accumulateInTile(const Stage& stage, const RegisterTile& tile, const Halide::LoopLevel& at) {
    Func acc = stage.tensor.func;
    const std::vector<Var> args = acc.args();
    acc.compute_at(at);
    if (tile.vector > 1) acc.vectorize(args[0], tile.vector);
    acc.unroll(args[0]).unroll(args[1]);
    Halide::Stage update = acc.update();
    std::vector<Halide::VarOrRVar> order{args[0], args[1]};
    for (int d = 0; d < stage.reduction.dimensions(); ++d) order.push_back(stage.reduction[d]);
    update.reorder(order);
    if (tile.vector > 1) update.vectorize(args[0], tile.vector);
    update.unroll(args[0]).unroll(args[1]);
  }

  // An accumulator read by something other than the output tile (a streamed or staged conv): a wrapper Func
  // takes the accumulator's place for its readers and is tiled like an output.
  void registerBlockAlone(const Stage& stage, bool in_strip, const Halide::LoopLevel& strip) {
    Func acc = stage.tensor.func;
    Func wrapper = acc.in();
    const std::vector<int> extents = halideExtents(stage.tensor);
    const RegisterTile tile = tileFor(extents);
    const Halide::LoopLevel tile_level = tileLoops(wrapper, tile);
    if (in_strip) {
      wrapper.compute_at(strip);
    } else {
      wrapper.compute_root();
      parallelizeOutermost(wrapper, extents, 2);  // dimensions 0 and 1 form the register tiles
    }
    accumulateInTile(stage, tile, tile_level);
  }

  // Rows of a rank-4 output per strip when stages are streamed; 1 (parallel over single rows) otherwise.
  static int stripRows(int rows, bool strips) { return strips ? std::min(8, rows) : 1; }

  // Parallel loops over the output's rows (and batch); returns the loop level strips are computed at.
  Halide::LoopLevel parallelizeRows(Func out, const std::vector<int>& extents, bool strips) {
    const std::vector<Var> args = out.args();
    const int rank = static_cast<int>(args.size());
    if (rank < 3) return Halide::LoopLevel::root();
    const Var rows = args[rank == 4 ? 2 : rank - 1];
    const int row_extent = extents[rank == 4 ? 2 : rank - 1];
    if (rank == 4 && extents[3] > 1) out.parallel(args[3]);
    const int strip = stripRows(row_extent, strips && rank == 4);
    if (strip > 1) {
      Var strip_index(out.name() + "_strip");
      out.split(rows, strip_index, rows, strip, TailStrategy::ShiftInwards).parallel(strip_index);
      return Halide::LoopLevel(out, strip_index);
    }
    out.parallel(rows);
    return Halide::LoopLevel(out, rows);
  }

  // Outputs without an anchor: vectorized along the innermost dimension, parallel over rows.
  Halide::LoopLevel scheduleOutputs(bool strips) {
    Halide::LoopLevel rows = Halide::LoopLevel::root();
    for (TensorFunc& out : block_.output_funcs) {
      if (out.rank() == 0) continue;
      const std::vector<int> extents = halideExtents(out);
      const int vector = vectorWidth(extents[0], natural_);
      if (vector > 1) out.func.vectorize(out.func.args()[0], vector, TailStrategy::ShiftInwards);
      rows = parallelizeRows(out.func, extents, strips);
      if (out.rank() == 2 && extents[1] > 1) out.func.parallel(out.func.args()[1]);
    }
    return block_.output_funcs.size() == 1 ? rows : Halide::LoopLevel::root();
  }

  void vectorizeInner(const Stage& stage) {
    Func f = stage.tensor.func;
    if (stage.tensor.rank() == 0) return;
    const int vector = dividingVectorWidth(halideExtents(stage.tensor)[0], natural_);
    if (vector == 1) return;
    const Var inner = f.args()[0];
    f.vectorize(inner, vector);
    for (int u = 0; u < f.num_update_definitions(); ++u) f.update(u).vectorize(inner, vector);
  }

  // A window or axis reduction: vectorized along its innermost dimension, and when staged whole, parallel
  // over its outermost dimension of more than one element.
  void computeAt(const Stage& stage, bool in_strip, const Halide::LoopLevel& strip) {
    Func f = stage.tensor.func;
    vectorizeInner(stage);
    if (in_strip) {
      f.compute_at(strip);
      return;
    }
    f.compute_root();
    parallelizeOutermost(f, halideExtents(stage.tensor), 1);
  }

  // Parallel over the outermost dimension, down to position `lowest`, that has more than one element, in
  // every definition of f.
  static void parallelizeOutermost(Func f, const std::vector<int>& extents, int lowest) {
    for (int p = static_cast<int>(extents.size()) - 1; p >= lowest; --p) {
      if (extents[p] <= 1) continue;
      f.parallel(f.args()[p]);
      for (int u = 0; u < f.num_update_definitions(); ++u) f.update(u).parallel(f.args()[p]);
      return;
    }
  }

  BlockPipeline& block_;
  const int natural_;
  const RegisterBudget budget_;
};

void autoSchedule(BlockPipeline& block, const Halide::Target& target, const ScheduleOptions& options) {
  static std::once_flag loaded;
  std::call_once(loaded, [] { Halide::load_plugin(kAutoschedulerPlugin); });
  Halide::MachineParams machine(options.threads, static_cast<uint64_t>(options.cache_bytes), 40);
  block.pipeline.auto_schedule("Mullapudi2016", target, machine);
}

}  // namespace

ScheduleKind parseScheduleKind(const std::string& name) {
  if (name == "default") return ScheduleKind::Default;
  if (name == "auto") return ScheduleKind::Auto;
  fail("unknown schedule '{}'; use 'default' (kiln's templates) or 'auto' (Halide's Mullapudi2016)", name);
}

const char* scheduleKindName(ScheduleKind kind) {
  return kind == ScheduleKind::Default ? "default" : "auto";
}

void scheduleBlock(BlockPipeline& block, const Halide::Target& target, const ScheduleOptions& options) {
  if (target.has_gpu_feature()) {
    if (options.kind == ScheduleKind::Auto)
      fail("Halide 14's autoschedulers have no GPU schedules; compile for {} with --schedule default",
           target.to_string());
    scheduleBlockForGpu(block);
  } else if (options.kind == ScheduleKind::Auto)
    autoSchedule(block, target, options);
  else
    BlockScheduler(block, target).run();
}

}  // namespace kiln::codegen
