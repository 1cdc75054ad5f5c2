// GPU schedule templates (CUDA): every stage that is not inlined becomes a kernel over device memory, so a
// block's intermediates never visit the host.
//
//  - The anchor (placement.h) of a block is computed per thread block in registers: output channels on the
//    32 lanes of a warp, each thread owning a tile of a few pixels (unrolled) — Halide's apps/conv_layer
//    pattern. Its reduction over input channels is split in chunks; each chunk of the activation it reads is
//    first copied into shared memory by the whole thread block, so neighbouring pixels' and channels'
//    products reuse one global load.
//  - The output that holds the anchor is tiled the same way (blocks over pixel tiles, channel tiles and the
//    remaining dimensions), with the epilogue applied in registers.
//  - Every other output and staged stage is one thread per element: its pure dimensions fused and split
//    into blocks of up to 256 threads, channels innermost so that a warp's loads are contiguous; reduction
//    loops run inside the thread.
// Strips (a CPU cache idea) are computed whole on the GPU.
#pragma once

#include "codegen/schedule_template.h"

namespace kiln::codegen {

// The template every block of a GPU target gets; its lanes, pixels and block size come from the TargetDesc.
const ScheduleTemplate& gpuTemplate();

}  // namespace kiln::codegen
