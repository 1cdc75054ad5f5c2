#include "codegen/gpu_schedule.h"

#include <algorithm>

#include "codegen/placement.h"

namespace kiln::codegen {
namespace {

using Halide::Func;
using Halide::RVar;
using Halide::TailStrategy;
using Halide::Var;

// The largest power of two that is at most `limit` and at most `extent`.
int powerOfTwoUpTo(int extent, int limit) {
  int p = 1;
  while (p * 2 <= std::min(extent, limit)) p *= 2;
  return p;
}

// The chunk of the reduction's first dimension staged in shared memory at a time: 32, 16 or 8 input
// channels when one divides it; 0 (no staging) otherwise, e.g. for depthwise convolutions.
int stagingChunk(const Halide::RDom& reduction) {
  const int64_t* extent = Halide::Internal::as_const_int(reduction[0].extent());
  if (!extent) return 0;
  for (int chunk : {32, 16, 8})
    if (*extent > chunk && *extent % chunk == 0) return chunk;
  return 0;
}

// One thread per element of every definition of f: pure dimensions fused innermost-first and split into
// thread blocks. Reduction variables stay inside the thread.
void threadPerElement(Func f, const std::vector<int>& extents, int block_threads,
                      std::vector<std::string>& kernels) {
  for (int d = 0; d <= f.num_update_definitions(); ++d)
    kernels.push_back(f.name() + ".s" + std::to_string(d));
  if (extents.empty()) {
    f.gpu_single_thread();
    for (int u = 0; u < f.num_update_definitions(); ++u) f.update(u).gpu_single_thread();
    return;
  }
  int64_t total = 1;
  for (int e : extents) total *= e;
  const int threads =
      powerOfTwoUpTo(static_cast<int>(std::min<int64_t>(total, block_threads)), block_threads);
  const std::vector<Var> args = f.args();
  const std::string name = f.name();
  auto tile = [&](Halide::Stage stage) {
    Var fused = args[0];
    for (size_t d = 1; d < args.size(); ++d) {
      Var next(name + "_f" + std::to_string(d));
      stage.fuse(fused, args[d], next);
      fused = next;
    }
    stage.gpu_tile(fused, Var(name + "_block"), Var(name + "_thread"), threads, TailStrategy::GuardWithIf);
  };
  tile(f);
  for (int u = 0; u < f.num_update_definitions(); ++u) tile(f.update(u));
}

// The output and its anchor: channels on `lanes` lanes, `pixels` pixels per thread, the accumulator in
// registers and the operand staged in shared memory per chunk of the reduction.
void anchorTile(TensorFunc& out, const Stage& anchor, int lanes, int pixels,
                std::vector<std::string>& kernels) {
  kernels.push_back(out.func.name() + ".s0");
  Func f = out.func;
  const std::vector<Var> args = f.args();
  const std::string name = f.name();
  Var co(name + "_co"), ci(name + "_ci"), xo(name + "_xo"), xi(name + "_xi");
  f.split(args[0], co, ci, lanes, TailStrategy::ShiftInwards)
      .split(args[1], xo, xi, pixels, TailStrategy::ShiftInwards)
      .reorder(ci, xi, xo, co)
      .unroll(xi)
      .gpu_threads(ci);
  if (args.size() == 2) {
    f.gpu_blocks(xo, co);
  } else {
    Var outer = args[2];
    for (size_t d = 3; d < args.size(); ++d) {
      Var next(name + "_o" + std::to_string(d));
      f.fuse(outer, args[d], next);
      outer = next;
    }
    f.gpu_blocks(xo, co, outer);
  }

  Func acc = anchor.tensor.func;
  const std::vector<Var> acc_args = acc.args();
  acc.compute_at(f, xo).store_in(Halide::MemoryType::Register).gpu_threads(acc_args[0]).unroll(acc_args[1]);
  Halide::Stage update = acc.update();
  std::vector<Halide::VarOrRVar> order{acc_args[0], acc_args[1]};
  const int chunk = anchor.operand.func.defined() ? stagingChunk(anchor.reduction) : 0;
  RVar chunk_outer(acc.name() + "_rko"), chunk_inner(acc.name() + "_rki");
  if (chunk > 0) {
    update.split(anchor.reduction[0], chunk_outer, chunk_inner, chunk);
    order.push_back(chunk_inner);
  } else {
    order.push_back(anchor.reduction[0]);
  }
  for (int d = 1; d < anchor.reduction.dimensions(); ++d) order.push_back(anchor.reduction[d]);
  if (chunk > 0) order.push_back(chunk_outer);
  update.reorder(order).gpu_threads(acc_args[0]).unroll(acc_args[1]);
  if (chunk > 0) {
    Func operand = anchor.operand.func;
    Func staged = operand.in(acc);
    staged.compute_at(acc, chunk_outer).store_in(Halide::MemoryType::GPUShared).gpu_threads(staged.args()[0]);
  }
}

// The one GPU template: an anchored block gets register tiles of `lanes` channels x `pixels` pixels per
// thread; everything else runs one thread per element in blocks of up to `block_threads`.
class GpuTemplate : public ScheduleTemplate {
 public:
  const char* name() const override { return "gpu"; }
  bool matches(const BlockAnalysis&) const override { return true; }

  ParamSpace space(const BlockAnalysis& block, const TargetDesc& target) const override {
    ParamSpace space{{"block_threads", {32, 64, 128, 256, 512}}};
    if (block.anchor) {
      space["lanes"] = {};
      for (int lanes = 1; lanes <= powerOfTwoUpTo(block.out_extents[0], target.warp_lanes); lanes *= 2)
        space["lanes"].push_back(lanes);
      space["pixels"] = {};
      for (int pixels = 1; pixels <= std::min(8, block.out_extents[1]); ++pixels)
        space["pixels"].push_back(pixels);
    }
    return space;
  }

  ScheduleConfig defaultConfig(const BlockAnalysis& block, const TargetDesc& target) const override {
    ScheduleConfig config{name(), {{"block_threads", target.block_threads}}};
    if (block.anchor) {
      config.params["lanes"] = powerOfTwoUpTo(block.out_extents[0], target.warp_lanes);
      config.params["pixels"] = std::min(target.pixels_per_thread, block.out_extents[1]);
    }
    return config;
  }

  void apply(BlockPipeline& block, const BlockAnalysis& analysis, const ScheduleConfig& config,
             const TargetDesc&) const override {
    const int block_threads = config.get("block_threads");
    if (analysis.anchor) {
      anchorTile(block.output_funcs[0], analysis.anchor->stage, config.get("lanes"), config.get("pixels"),
                 block.gpu_stages);
    } else {
      for (TensorFunc& out : block.output_funcs)
        threadPerElement(out.func, halideExtents(out), block_threads, block.gpu_stages);
    }
    for (const PlacedStage& s : block.stages) {
      if (&s == analysis.anchor) continue;
      Func f = s.stage.tensor.func;
      f.compute_root();
      threadPerElement(f, halideExtents(s.stage.tensor), block_threads, block.gpu_stages);
    }
  }
};

}  // namespace

const ScheduleTemplate& gpuTemplate() {
  static const GpuTemplate gpu;
  return gpu;
}

}  // namespace kiln::codegen
