// Winograd F(4x4, 3x3) convolution (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", 2016).
//
// A 3x3 stride-1 conv computed per 4x4 tile of output pixels from the tile's 6x6 input window: the window is
// transformed (V = Bt d B), multiplied point by point with the transformed weights (U = G g Gt) and summed
// over input channels, and the 6x6 products transformed back (Y = At M A). The channel sums are 36
// independent GEMMs of (tiles x input channels) by (input channels x output channels): 36 multiply-adds per
// tile and channel pair instead of 144, so a 3x3 conv does 4x fewer, at the price of transforms that cost a
// few additions per element and of weights 4x larger (36 values per 3x3 kernel instead of 9).
//
// The weights are transformed when the artifact is packed (a Layout with `winograd` set, stored
// [36][O/panel][I][panel]), so a run only transforms activations. kiln uses it for a block whose only sum of
// products is such a conv (besides a residual's 1x1 downsample conv, computed per group of tiles), whose
// output is not a model output (those keep PyTorch's layout), and whose image holds at least 16 tiles (batch
// included): each transformed weight then meets 16 tiles or more. Two ways to run it (the winograd template's
// `split`), measured on AVX2 with 2 threads against kiln's direct conv:
//  - grouped: each group of tiles along a row transforms, sums and transforms back while its data is in
//    cache, re-reading the weights per group: for rows of at least 7 tiles whose transformed weights fit in
//    half the last-level cache (64 channels at 56x56, 128 at 28x28: 0.67-0.70 ms against 1.3 ms);
//  - staged: all windows transformed first, the sums split across threads by output channels so each thread
//    streams its share of the weights once, then the output transform: for the rest (256 channels at 14x14:
//    1.0 ms against 1.9 ms). With only 4 tiles (512 channels at 7x7) it merely tied, so 16 is the floor.
// Errors stay at the fp32 level: 1e-6 to 5e-6 of the largest output on random 3x3 convs.
#pragma once

#include <vector>

#include "codegen/lowering.h"
#include "codegen/target_desc.h"
#include "fusion/plan.h"

namespace kiln::codegen::winograd {

constexpr int kTile = 4;            // output pixels per tile side
constexpr int kWindow = 6;          // input pixels per window side: kTile + 3 - 1
constexpr int kPoints = 36;         // kWindow * kWindow products per tile and channel pair
constexpr int kMinTiles = 16;       // per image, batch included
constexpr int kMinTilesPerRow = 7;  // for the grouped way
// Below this many input channels each of the 36 channel sums is too short to pay for the transforms: VGG-11's
// first conv (3 -> 64 channels at 224x224) ran at 61-66 GFLOP/s with Winograd.
constexpr int kMinInputChannels = 8;

// Whether `conv` (an op of `block`) is computed with Winograd on `target`. `outputs_as_activations`: the
// model's outputs are laid out as activations between blocks are (CompileOptions::boundaries_as_activations).
bool applies(const ir::Graph& graph, const fusion::Block& block, int conv, const TargetDesc& target,
             bool outputs_as_activations);

// Tiles along a side of `pixels` outputs.
int64_t tiles(int64_t pixels);
int64_t transformedWeightBytes(int64_t outs, int64_t ins, const TargetDesc& target);
// Whether a conv with these channels and output width runs grouped (else staged).
bool grouped(int64_t outs, int64_t ins, int64_t width, const TargetDesc& target);

// Weights [O, I, 3, 3] (row-major) transformed and stored [36][ceil(O/panel)][I][panel], zero-padded.
std::vector<float> transformWeights(const std::vector<int64_t>& shape, const float* row_major, int panel);

// conv2d lowered through the transforms; its weights input is in the Winograd layout. Stages: the zero-padded
// input (PaddedInput), the transformed windows (WinogradInput, its row pass as `operand`), the 36 channel
// sums (WinogradProduct) and the output transform's column pass (WinogradOutput).
LoweredOp lowerConv2d(const LoweringInput& in);

}  // namespace kiln::codegen::winograd
