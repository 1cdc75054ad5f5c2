// Where each stage of a block pipeline is computed, for every kind of schedule (CPU and GPU). Fusion decided
// where each internal value lives (fusion/residency.h, carried as BlockPipeline::residency); this turns
// that into Halide placements:
//  - an Accumulator of the output's shape and layout whose result only the block's single output reads
//    (through inlined epilogue ops) is the Anchor: computed per output tile, its sums kept in registers;
//  - a rank-4 stage of a value fusion streams, or computing the output itself, is a Strip: computed per strip
//    of output rows, so its values stay in cache;
//  - everything else is Root: computed once for the whole tensor (cached or materialized values, such as the
//    whole-image reductions of global pooling and squeeze-excitation).
// Elementwise ops own no stage: they are inlined into their readers, unless fusion keeps their value (then
// they own a KeptValue stage, placed like any other). A conv's PaddedInput stage takes no placement of its
// own: it is copied whole before the block's loops or inlined (readsStagedValues); nor do a Winograd conv's
// stages, which the winograd template places per group of output tiles.
#pragma once

#include <map>
#include <vector>

#include "codegen/block_pipeline.h"

namespace kiln::codegen {

enum class Placement { Root, Strip, Anchor };

// Stage-owning op -> placement. Empty (every stage Root) unless the block has a single output of rank >= 2
// in kiln's activation layout: tiles and strips assume channels innermost and rows third.
std::map<int, Placement> placeStages(const BlockPipeline& block);

// For a block of several outputs (which get no placements): the accumulators whose one reader, through
// inlined ops, is an output of their shape and layout, each mapped to that output's index. The output Func
// itself is then the accumulator's register tile, so its epilogue (a residual's add and relu) runs on the
// sums in registers instead of in a pass of its own.
std::map<int, int> tiledOutputs(const BlockPipeline& block);

// Likewise, the accumulators whose one reader, through inlined ops, is a KeptValue stage of their shape and
// layout (an expansion conv's activation that fusion keeps for a depthwise conv's taps), each mapped to that
// stage's op. The kept value is then the accumulator's register tile: the activation runs on the sums in
// registers, instead of in a pass over a stored copy of the sums.
std::map<int, int> tiledKeptValues(const BlockPipeline& block);

// Whether `op` reads, directly or through inlined ops, the result of an op of the block that owns a stage.
bool readsStagedValues(const BlockPipeline& block, int op);

// Whether a 1x1 conv's operand is computed by inlined elementwise ops of the block (relu6 of a depthwise
// stage, a residual add, an activation of its input): CPU schedules stage such an operand before the sums
// read it (cpu_schedule.cpp's stageComputedOperand).
bool computesOperand(const BlockPipeline& block, const PlacedStage& conv);

// A tensor's extents in Halide order (innermost first), as ints for schedules.
std::vector<int> halideExtents(const TensorFunc& t);

}  // namespace kiln::codegen
