#include "codegen/target_desc.h"

namespace kiln::codegen {
namespace {

// AVX-512: 32 registers of 16 lanes, two FMA pipes; 20 accumulators in up to 4 vectors (4 x 5 reached
// 96 % of peak, shared notes halide14.md) leave room for the weight vectors and a broadcast. A 1x1 conv's
// FMAs take their broadcast from memory, so its tile may fill the other 28 registers: 4 x 7 made ResNet-50's
// 1x1 blocks 1-11 % faster than 4 x 5 (AMD Zen 4, 2 threads, 4-5 alternating runs), where over windows its
// 7x7 stem ran 20 % slower and a global budget of 28 slowed its Winograd convs 10-30 %. Caches as on
// the AMD EPYC (Zen 4/5) machines kiln is measured on: 48 KB L1 and 1 MB L2 per core (Intel's server cores
// have 1.25-2 MB).
TargetDesc avx512() {
  return {.isa = "avx512",
          .vector_lanes = 16,
          .vector_registers = 32,
          .l1_bytes = 48 << 10,
          .l2_bytes = 1 << 20,
          .llc_bytes = 32 << 20,
          .tile_accumulators = 20,
          .tile_vectors = 4,
          .pointwise_accumulators = 28};
}

// AVX2: 16 registers of 8 lanes: 12 accumulators (2 vectors x 6 pixels, or 3 x 4) leave 4 registers for
// the weight vectors and a broadcast.
TargetDesc avx2() {
  return {.isa = "avx2",
          .vector_lanes = 8,
          .vector_registers = 16,
          .l1_bytes = 32 << 10,
          .l2_bytes = 1 << 20,
          .llc_bytes = 8 << 20,
          .tile_accumulators = 12,
          .tile_vectors = 3,
          .pointwise_accumulators = 12};
}

// NEON: 32 registers of only 4 lanes: 24 accumulators in up to 4 vectors (16 channels x 6 pixels).
TargetDesc neon() {
  return {.isa = "neon",
          .vector_lanes = 4,
          .vector_registers = 32,
          .nominal_ghz = 2.0,
          .l1_bytes = 64 << 10,
          .l2_bytes = 1 << 20,
          .llc_bytes = 4 << 20,
          .tile_accumulators = 24,
          .tile_vectors = 4,
          .pointwise_accumulators = 24};
}

}  // namespace

fusion::Machine TargetDesc::nominalMachine() const {
  fusion::Machine machine;
  machine.threads = threads;
  machine.peak_flops = 2.0 * vector_lanes * fma_units * nominal_ghz * 1e9 * threads;
  machine.strip_rows = strip_rows;
  machine.stage_bytes = l1_bytes / 2;
  machine.l2_bytes = l2_bytes;
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
