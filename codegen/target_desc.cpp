#include "codegen/target_desc.h"

namespace kiln::codegen {
namespace {

// AVX-512: 32 registers of 16 lanes, two FMA pipes; 20 accumulators as 4 vectors x 5 pixels leave room
// for 4 weight vectors and the broadcasts (shared notes, halide14.md: 96 % of peak with 4 x 5).
TargetDesc avx512() {
  TargetDesc d;
  d.isa = "avx512";
  d.vector_lanes = 16;
  d.vector_registers = 32;
  d.l1_bytes = 48 * 1024;
  d.l2_bytes = 2 * 1024 * 1024;
  d.llc_bytes = 32 * 1024 * 1024;
  d.tile_accumulators = 20;
  d.tile_vectors = 4;
  return d;
}

// AVX2: 16 registers of 8 lanes: 12 accumulators (2 vectors x 6 pixels, or 3 x 4) leave 4 registers for
// the weight vectors and a broadcast.
TargetDesc avx2() {
  TargetDesc d;
  d.isa = "avx2";
  d.vector_lanes = 8;
  d.vector_registers = 16;
  d.l2_bytes = 1024 * 1024;
  d.tile_accumulators = 12;
  d.tile_vectors = 3;
  return d;
}

// NEON: 32 registers of only 4 lanes: 24 accumulators as 4 vectors (16 channels) x 6 pixels.
TargetDesc neon() {
  TargetDesc d;
  d.isa = "neon";
  d.vector_lanes = 4;
  d.vector_registers = 32;
  d.nominal_ghz = 2.0;
  d.l1_bytes = 64 * 1024;
  d.l2_bytes = 1024 * 1024;
  d.llc_bytes = 4 * 1024 * 1024;
  d.tile_accumulators = 24;
  d.tile_vectors = 4;
  return d;
}

}  // namespace

fusion::Machine TargetDesc::nominalMachine() const {
  fusion::Machine machine;
  machine.threads = threads;
  machine.peak_flops = 2.0 * vector_lanes * fma_units * nominal_ghz * 1e9 * threads;
  machine.strip_rows = strip_rows;
  machine.stage_bytes = l1_bytes / 2;
  return machine;
}

TargetDesc describeTarget(const Halide::Target& target, int threads) {
  TargetDesc d = target.arch == Halide::Target::ARM           ? neon()
                 : target.has_feature(Halide::Target::AVX512) ? avx512()
                                                              : avx2();
  d.threads = threads;
  if (target.has_feature(Halide::Target::CUDA)) {
    d.isa = "cuda";
    d.warp_lanes = 32;
    d.block_threads = 256;
    d.pixels_per_thread = 4;
  }
  return d;
}

}  // namespace kiln::codegen
