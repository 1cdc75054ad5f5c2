#include "codegen/schedule.h"

#include <algorithm>
#include <mutex>
#include <set>

#include "ir/error.h"

namespace kiln::codegen {
namespace {

using Halide::Func;
using Halide::TailStrategy;
using Halide::Var;

constexpr const char* kAutoschedulerPlugin = KILN_MULLAPUDI2016_PLUGIN;

std::vector<int> halideExtents(const TensorFunc& t) {
  std::vector<int> extents;
  for (int64_t e : t.layout.halideExtents(t.shape)) extents.push_back(static_cast<int>(e));
  return extents;
}

// The widest power-of-two vector of at most `natural` lanes that fits in `extent`; 1 (no vectors) below 4.
int vectorWidth(int extent, int natural) {
  int width = 1;
  while (width * 2 <= std::min(extent, natural)) width *= 2;
  return width >= 4 ? width : 1;
}

// Where the rows of the block's output are looped over: the loop stages are computed at.
struct OutputLoops {
  Func output;
  Halide::LoopLevel rows = Halide::LoopLevel::root();
  Halide::LoopLevel tile = Halide::LoopLevel::root();
};

enum class Placement { Anchor, Strip, Root };

class BlockScheduler {
 public:
  BlockScheduler(BlockPipeline& block, const Halide::Target& target)
      : block_(block), natural_(target.natural_vector_size<float>()),
        accumulators_(target.has_feature(Halide::Target::AVX512) ? 20 : 12) {
    for (const PlacedStage& s : block_.stages) stage_ops_.insert(s.op);
  }

  void run() {
    const bool tiled = block_.output_funcs.size() == 1 && block_.output_funcs[0].rank() >= 2;
    std::map<int, Placement> placement = tiled ? place() : std::map<int, Placement>{};
    const PlacedStage* anchor = nullptr;
    bool strips = false;
    for (const PlacedStage& s : block_.stages) {
      if (placement[s.op] == Placement::Anchor) anchor = &s;
      strips = strips || placement[s.op] == Placement::Strip;
    }
    OutputLoops loops = anchor ? scheduleAnchoredOutput(*anchor, strips) : scheduleOutputs(strips);
    for (const PlacedStage& s : block_.stages) {
      if (&s == anchor) continue;
      if (tiled && placement[s.op] == Placement::Strip)
        computeInStrip(s.stage, loops.rows);
      else
        computeRoot(s.stage);
    }
  }

 private:
  // The stage-owning ops and outputs (-1 - k) that read `op`'s results, looking through inlined ops.
  std::set<int> stagedReaders(int op) const {
    std::set<int> found;
    auto it = block_.readers.find(op);
    if (it == block_.readers.end()) return found;
    for (int reader : it->second) {
      if (reader < 0 || stage_ops_.count(reader)) {
        found.insert(reader);
      } else {
        std::set<int> further = stagedReaders(reader);
        found.insert(further.begin(), further.end());
      }
    }
    return found;
  }

  // Decides, from the last stage-owning op backwards, which stage anchors the output tile, which are
  // streamed in row strips and which are staged whole.
  std::map<int, Placement> place() const {
    const TensorFunc& out = block_.output_funcs[0];
    std::map<int, Placement> placement;
    bool anchored = false;
    for (auto s = block_.stages.rbegin(); s != block_.stages.rend(); ++s) {
      if (placement.count(s->op)) continue;
      const std::set<int> readers = stagedReaders(s->op);
      const TensorFunc& t = s->stage.tensor;
      const bool only_output = readers == std::set<int>{-1};
      const bool own_stage_only = std::count_if(block_.stages.begin(), block_.stages.end(),
                                                [&](const PlacedStage& o) { return o.op == s->op; }) == 1;
      if (!anchored && only_output && own_stage_only && s->stage.kind == StageKind::Accumulator &&
          t.shape == out.shape && t.layout == out.layout) {
        placement[s->op] = Placement::Anchor;
        anchored = true;
        continue;
      }
      bool streamable = out.rank() == 4 && t.rank() == 4 && t.shape[2] > 1 && out.shape[2] > 1;
      for (int reader : readers)
        streamable = streamable && (reader < 0 || placement.at(reader) != Placement::Root);
      placement[s->op] = streamable ? Placement::Strip : Placement::Root;
    }
    return placement;
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

  OutputLoops scheduleAnchoredOutput(const PlacedStage& anchor, bool strips) {
    TensorFunc& out = block_.output_funcs[0];
    const std::vector<int> extents = halideExtents(out);
    const std::vector<Var> args = out.func.args();
    const Var c = args[0], x = args[1];
    const int vector = vectorWidth(extents[0], natural_);
    const int vectors = std::clamp(extents[0] / vector, 1, natural_ >= 16 ? 4 : 2);
    const int pixels = std::clamp(accumulators_ / vectors, 1, extents[1]);
    Var co(out.func.name() + "_co"), ci(out.func.name() + "_ci"), xo(out.func.name() + "_xo"),
        xi(out.func.name() + "_xi");
    out.func.split(c, co, ci, vector * vectors, TailStrategy::ShiftInwards)
        .split(x, xo, xi, pixels, TailStrategy::ShiftInwards)
        .reorder(ci, xi, co, xo);
    if (vector > 1) out.func.vectorize(ci, vector);
    out.func.unroll(ci).unroll(xi);
    OutputLoops loops{out.func, parallelizeRows(out.func, extents, strips), Halide::LoopLevel(out.func, co)};
    if (args.size() == 2 && extents[0] >= 2 * vector * vectors) out.func.parallel(co);

    Func acc = anchor.stage.tensor.func;
    const std::vector<Var> acc_args = acc.args();
    acc.compute_at(loops.tile);
    if (vector > 1) acc.vectorize(acc_args[0], vector);
    acc.unroll(acc_args[0]).unroll(acc_args[1]);
    Halide::Stage update = acc.update();
    std::vector<Halide::VarOrRVar> order{acc_args[0], acc_args[1]};
    for (int d = 0; d < anchor.stage.reduction.dimensions(); ++d) order.push_back(anchor.stage.reduction[d]);
    update.reorder(order);
    if (vector > 1) update.vectorize(acc_args[0], vector);
    update.unroll(acc_args[0]).unroll(acc_args[1]);
    return loops;
  }

  OutputLoops scheduleOutputs(bool strips) {
    OutputLoops loops;
    for (TensorFunc& out : block_.output_funcs) {
      if (out.rank() == 0) continue;
      const std::vector<int> extents = halideExtents(out);
      const int vector = vectorWidth(extents[0], natural_);
      if (vector > 1) out.func.vectorize(out.func.args()[0], vector, TailStrategy::ShiftInwards);
      Halide::LoopLevel rows = parallelizeRows(out.func, extents, strips);
      if (out.rank() == 2 && extents[1] > 1) out.func.parallel(out.func.args()[1]);
      if (block_.output_funcs.size() == 1) loops = {out.func, rows, rows};
    }
    return loops;
  }

  void vectorizeInner(const Stage& stage) {
    Func f = stage.tensor.func;
    if (stage.tensor.rank() == 0) return;
    const int extent = halideExtents(stage.tensor)[0];
    const int vector = vectorWidth(extent, natural_);
    if (vector == 1) return;
    const TailStrategy tail = extent % vector == 0 ? TailStrategy::Auto : TailStrategy::GuardWithIf;
    const Var inner = f.args()[0];
    f.vectorize(inner, vector, tail);
    for (int u = 0; u < f.num_update_definitions(); ++u) f.update(u).vectorize(inner, vector, tail);
  }

  void computeInStrip(const Stage& stage, const Halide::LoopLevel& rows) {
    Func f = stage.tensor.func;
    f.compute_at(rows);
    vectorizeInner(stage);
  }

  void computeRoot(const Stage& stage) {
    Func f = stage.tensor.func;
    f.compute_root();
    vectorizeInner(stage);
    const std::vector<int> extents = halideExtents(stage.tensor);
    for (int p = stage.tensor.rank() - 1; p >= 1; --p) {
      if (extents[p] <= 1) continue;
      f.parallel(f.args()[p]);
      for (int u = 0; u < f.num_update_definitions(); ++u) f.update(u).parallel(f.args()[p]);
      break;
    }
  }

  BlockPipeline& block_;
  const int natural_;
  const int accumulators_;
  std::set<int> stage_ops_;
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

const char* scheduleKindName(ScheduleKind kind) { return kind == ScheduleKind::Default ? "default" : "auto"; }

void scheduleBlock(BlockPipeline& block, const Halide::Target& target,
                   const ScheduleOptions& options) {
  if (options.kind == ScheduleKind::Auto)
    autoSchedule(block, target, options);
  else
    BlockScheduler(block, target).run();
}

}  // namespace kiln::codegen
