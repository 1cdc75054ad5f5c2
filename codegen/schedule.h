// Schedules: where and how each Func of a block pipeline is computed. This file is the CPU's (x86-64 and
// NEON); GPU targets get gpu_schedule.h's templates. Both start from the same placement (placement.h).
//
// `default` is kiln's own template, derived from the register-blocked conv that reached 96% of this machine's
// peak (shared notes, halide14.md; Halide's apps/conv_layer):
//  - The block has one output and a conv/linear/matmul accumulator of the output's shape whose result only
//    that output reads (through inlined epilogue ops: bias, residual add, activations, scaling): the anchor.
//    The output is tiled into (vector x vectors-per-tile) channels by a few pixels; the accumulator is
//    computed per tile in registers, its reduction innermost-but-unrolled, so every loaded input pixel feeds
//    several output vectors. The epilogue runs on the tile while it is still in registers.
//  - Other stages of a rank-4 single-output block (a producer conv streamed into a consumer conv, pooling)
//    are computed per strip of output rows, so their values stay in cache; a stage that a whole-image
//    reduction reads (global pooling, squeeze-excitation) is computed once for the whole tensor (staged).
//  - Every elementwise op is inlined into its reader, except costly activations that a sliding window reads
//    (WindowInput stages, block_pipeline.cpp), which are placed like reductions. Outputs are vectorized along
//    their innermost dimension and parallel over their outermost one.
//  - Tile sizes never exceed the extents they split; a tail that a vector or tile does not divide is handled
//    by shifting the last tile inwards (outputs) or guarding it (intermediates), so odd sizes stay correct.
//  - Register tiles are sized per ISA: accumulators plus weight vectors plus broadcast inputs fit the vector
//    register file (AVX-512 and NEON 32 registers, AVX2 16).
// `auto` hands the pipeline to a Halide 14 autoscheduler plugin (Mullapudi2016) instead, for comparison.
#pragma once

#include <string>

#include <Halide.h>

#include "codegen/block_pipeline.h"

namespace kiln::codegen {

enum class ScheduleKind { Default, Auto };

ScheduleKind parseScheduleKind(const std::string& name);  // "default" | "auto"; kiln::Error otherwise
const char* scheduleKindName(ScheduleKind kind);

struct ScheduleOptions {
  ScheduleKind kind = ScheduleKind::Default;
  int threads = 2;                        // the parallelism the autoscheduler plans for
  int64_t cache_bytes = 2 * 1024 * 1024;  // last-level cache per core, for the autoscheduler
};

void scheduleBlock(BlockPipeline& block, const Halide::Target& target, const ScheduleOptions& options);

}  // namespace kiln::codegen
