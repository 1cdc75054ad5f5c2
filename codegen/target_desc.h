// TargetDesc: everything kiln's schedules and its roofline need to know about the machine code runs on, in
// one description per instruction set (AVX2, AVX-512, NEON, CUDA).
//
// Schedules never test Halide target features themselves: register-tile budgets, vector widths, cache sizes,
// strip heights, weight panel widths and GPU thread shapes all come from here, so a new target is one more
// description, and fusion's roofline for a cross-compiled target is priced for that target, not the host.
#pragma once

#include <cstdint>
#include <string>

#include <Halide.h>

#include "fusion/cost_model.h"

namespace kiln::codegen {

struct TargetDesc {
  std::string isa;            // "avx512", "avx2", "neon", "cuda" (the device part of a CUDA target)
  int vector_lanes = 8;       // float32 lanes of one vector register
  int vector_registers = 16;  // architectural vector registers
  int fma_units = 2;          // vector FMAs issued per cycle per core
  double nominal_ghz = 2.5;   // for the roofline when the code cannot be measured here
  int64_t l1_bytes = 32 * 1024, l2_bytes = 1024 * 1024, llc_bytes = 8 * 1024 * 1024;  // per core; LLC shared
  int threads = 2;  // worker threads the code is planned for
  // A conv/GEMM register tile: accumulators, and vectors of output channels per tile, leaving registers for
  // the weight vectors and the broadcast inputs; a 1x1 conv's or GEMM's tile may hold
  // `pointwise_accumulators` (its loop keeps fewer values beside them).
  int tile_accumulators = 12, tile_vectors = 2, pointwise_accumulators = 12;
  int strip_rows = 8;  // output rows per strip when a block streams a producer into a window op
  // GPU targets: lanes of a warp, threads of one block, output pixels per thread in an anchor tile.
  int warp_lanes = 0, block_threads = 0, pixels_per_thread = 0;

  // Weights a conv may read per output tile before its loops put channel tiles outermost (half of L2; a 1x1
  // conv of a computed operand may read all of L2: cpu_schedule.h's channelSplitWeights).
  int64_t weightsKeptInCache() const { return l2_bytes / 2; }
  // Output channels per pre-packed weight panel: one vector.
  int weightPanel() const { return vector_lanes; }
  // The roofline machine fusion prices a plan with when the target cannot be measured on this machine.
  fusion::Machine nominalMachine() const;
};

// The description of a (resolved) Halide target, planned for `threads` worker threads.
TargetDesc describeTarget(const Halide::Target& target, int threads);

}  // namespace kiln::codegen
