// The CPU schedule mechanism (x86-64 and NEON) that cpu_templates.cpp's templates configure, derived from
// the register-blocked conv that reached 96 % of this machine's peak (shared notes, halide14.md; Halide's
// apps/conv_layer):
//  - An anchored block's output is tiled into (vector x `vectors`) channels by `pixels` positions; the anchor
//    accumulator is computed per tile in registers, its reduction outside the unrolled tile loops, so every
//    loaded input pixel feeds several output vectors and every loaded weight vector several pixels. The
//    epilogue (bias, residual add, activations) runs on the tile while it is still in registers.
//  - Threads split either rows (with the output's channel tiles inside a row) or, with `split_channels`,
//    output-channel tiles outermost: each thread then streams its own share of the pre-packed weight panels
//    over every pixel, which is what a weight-heavy layer with few pixels (ResNet's 7x7 layer4) needs.
//  - Other stages of a rank-4 single-output block are computed per strip of `strip_rows` output rows (so
//    their values stay in cache) or, when a whole-image reduction reads them, once for the whole tensor.
//    A streamed or staged conv is register-blocked on its own, with the tile it would take as an anchor.
//  - A Winograd conv's block (winograd.h) tiles its output into 4x4-pixel tiles, groups of `pixels` tiles
//    along a row parallel over rows and images; per group it transforms the windows, runs the 36 channel
//    sums register-blocked as `vectors` x `pixels` tiles, and transforms back while writing the output.
//  - Tile sizes never exceed the extents they split; a tail that a vector or tile does not divide is handled
//    by shifting the last tile inwards (outputs) or guarding it (intermediates), so odd sizes stay correct.
#pragma once

#include "codegen/schedule_template.h"

namespace kiln::codegen {

struct CpuTile {
  int vectors = 1;              // vectors of output channels per register tile
  int pixels = 1;               // positions of the next dimension (Winograd: 4x4 tiles) per register tile
  bool split_channels = false;  // threads split output-channel tiles (outermost) instead of rows
  int strip_rows = 1;           // output rows per strip when stages are streamed
  int k_block = 0;              // with split_channels: input channels per reduction block (0: no blocking)
};

// The widest power-of-two vector of at most `natural` lanes that fits in `extent`; 1 (no vectors) below 4.
int vectorWidth(int extent, int natural);

// The lanes of a vector of an accumulator's output channels: the widest vector of at most `natural` lanes
// (and the channels) that lies inside one group of a grouped conv with `group_width` output channels per
// group (Stage::group_width; 0 when not grouped), so that its lanes read one input channel per multiply-add,
// a broadcast. Straddling groups, each multiply-add gathers its input lane by lane (ResNeXt's groups of 4
// and 8 in vectors of 16: 10-12 shuffles per FMA). Not narrower than half the natural vector, nor than 4
// lanes, else the natural one: ResNeXt's groups of 4 ran 10 % slower in vectors of 4 than gathering in 16
// (AMD Zen 4, 2 threads), and depthwise convs' groups of 1 read their own channels contiguously.
int channelVector(int channels, int group_width, int natural);

// Whether an accumulator is a conv whose reduction spans a spatial window (3x3, not 1x1 or a matmul's).
bool hasSpatialWindow(const Stage& accumulator);

// The target's default register tile for an output or accumulator with these extents, its vectors inside
// the groups of a grouped conv (channelVector); `has_window`: the accumulator is a conv with a spatial
// window (3x3, not 1x1).
CpuTile defaultTile(const std::vector<int>& extents, const TargetDesc& target, int group_width = 0,
                    bool has_window = true);

// The register tile of an accumulator with these (output) extents, anchored or computed on its own: the
// default tile, except for a depthwise conv (one input channel per group, channel multipliers included),
// where the default's 4 vectors by 4-5 pixels (or 1 by 19) spill: one vector of channels by at most 8
// pixels in rows of at most 32 pixels (as many as cover the row with the fewest recomputed pixels: 7 for
// rows of 14 and 28, the whole row when it is shorter), whose window of inputs then stays in registers
// across a row of taps; two vectors by 4 pixels in wider rows (one where the channels fill only one).
// Measured on AMD Zen 4 (avx512, 2 threads), the conv alone, against the default (medians of 2-3 alternating
// runs): 7x7x1152 5x5 35.5 -> 22.8 us, 7x7x960 3x3 16.2 -> 8.4, 14x14 -> 7x7 x672 5x5 stride 2 28.3 -> 14.9,
// 14x14x480 3x3 28.2 -> 19.5, 14x14x672 5x5 52.7 -> 39.5, 28x28x240 5x5 59.6 -> 52.3, 28x28x192 3x3 15.1
// -> 13.9, 56x56x144 3x3 about 62 -> 40, 112x112x32 3x3 about 54 -> 45; one vector by 8 pixels was slower
// than the default in the wide rows. Anchored, a 5x5 window at stride 1 takes a row the target's
// accumulators cover as one tile (the depthwise template, cpu_templates.cpp). A grouped conv whose vectors
// lie inside its groups (channelVector) takes 2 vectors by the row's least wasteful pixels within the
// accumulators: vectors in different groups broadcast different inputs, so only pixels share loads (the
// weights). Measured against the default 4 x 5 (ResNeXt-50, 2 threads, 3 alternating runs): groups of 8 at
// 28x28 0.24 -> 0.22 ms, at stride 2 0.29 -> 0.27, groups of 16 at stride 2 equal; 1 x 14 was 2-8 % faster
// at 28x28 but took 0.32 ms at stride 2.
CpuTile accumulatorTile(const Stage& accumulator, const std::vector<int>& extents, const TargetDesc& target);

// The weights above which a conv computed whole has its threads split output-channel tiles instead of rows:
// half of L2, or all of it for a 1x1 conv whose operand the block computes (computesOperand). Split, the
// operand is staged once for the whole image, a pass of its own written to memory and read back; over rows
// it is staged per pixel tile in L1, and each row reads the weights again from L2. MobileNetV2's relu6 +
// 1x1 960 -> 160 at 7x7 (614 KiB of weights), AMD Zen 4, 2 threads: 0.78-0.80 of the split time over rows.
// Convs that read their operand as it is keep half of L2: over rows EfficientNet-B0's 192 -> 1152 at 7x7
// (864 KiB) took 1.07-1.09 of the split time, MobileNetV2's 320 -> 1280 (1.6 MB) 1.15. Fusion knows the
// all-of-L2 case too: dnnfusion.cpp's readsTheBlocksValueWhole keeps one-to-one ops out of such a conv's
// block, since staging their value whole would cost what a block boundary costs.
int64_t channelSplitWeights(bool computed_operand, const TargetDesc& target);

// The input channels per reduction block of a channel-split accumulator whose tiles are `tile_channels` wide:
// the largest proper divisor of its input channels whose block of weights (tile channels x taps x block)
// fits the target's weights-in-cache budget, or 0 when the whole reduction fits it (or none does).
// Measured on ResNet-18's 512-channel 3x3 convs at 7x7 (AVX-512, 1 MB L2, 2 threads): blocks of 128 inputs
// (295 KB) 0.72-0.79 ms, 64: 0.86-0.91, 32: 1.00-1.14, 256: 0.82-0.86, unblocked 1.00-1.05.
int defaultKBlock(const Stage& accumulator, int tile_channels, const TargetDesc& target);

void scheduleCpuBlock(BlockPipeline& block, const BlockAnalysis& analysis, const CpuTile& tile,
                      const TargetDesc& target);

}  // namespace kiln::codegen
