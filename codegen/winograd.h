// Winograd convolution F(m x m, 3x3) (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks",
// 2016), with tiles of m = 4 or m = 2 output pixels a side.
//
// A 3x3 stride-1 conv computed per m x m tile of output pixels from the tile's (m+2) x (m+2) input window:
// the window is transformed (V = Bt d B), multiplied point by point with the transformed weights (U = G g Gt)
// and summed over input channels, and the products transformed back (Y = At M A). The channel sums are
// (m+2)^2 independent GEMMs of (tiles x input channels) by (input channels x output channels). F(4x4): 36
// multiply-adds per tile and channel pair instead of 144 (4x fewer), weights 4x larger (36 values per 3x3
// kernel instead of 9); F(2x2): 16 instead of 36 (2.25x fewer), weights 1.8x larger.
//
// The weights are transformed when the artifact is packed (a Layout with `winograd_tile` set, stored
// [points][O/panel][I][panel]), so a run only transforms activations. kiln uses it for a block whose only sum
// of products is such a conv (besides a residual's 1x1 downsample conv, computed per group of tiles), whose
// output is not a model output (those keep PyTorch's layout), with F(4x4) where the image holds at least
// kMinTiles of its tiles (batch included): each transformed weight then meets 16 tiles or more. Where it
// holds fewer, F(2x2) where the image holds kMinTiles of its own: a 7x7 image (4 tiles of 4x4, 16 of 2x2).
// Measured on this project's Zen 4 VM (2 threads, kiln-runner, alternating runs): layer4 of ResNet-50 (512
// channels at 7x7) direct 1.20-1.23 ms, F(2x2) 0.95-1.09 ms; of Wide ResNet-50-2 (1024 channels) 4.7
// against 3.7 ms. Not F(2x2) where F(4x4) applies: at 14x14 (16 tiles of 4x4, 49 of 2x2) it was slower for
// 512 channels (Wide ResNet-50-2's layer3 2.2-2.4 against 2.9 ms, VGG-11's 2.2 against 3.0-3.4 ms) and with
// 256 channels (ResNet-50's layer3) only faster in the VM's slow phases (0.61-0.65 against 0.62-0.99 ms); at
// 28x28 F(4x4) ran ResNet-50's layer2 in 0.37-0.56 ms against 0.63-0.75. Two ways to run it (the winograd
// template's `split`), measured on AVX2 with 2 threads against kiln's direct conv:
//  - grouped: each group of tiles along a row transforms, sums and transforms back while its data is in
//    cache, re-reading the weights per group: for rows of at least 7 tiles whose transformed weights fit in
//    half the last-level cache (64 channels at 56x56, 128 at 28x28: 0.67-0.70 ms against 1.3 ms);
//  - staged: all windows transformed first, the sums split across threads by output channels so each thread
//    streams its share of the weights once, then the output transform: for the rest (256 channels at 14x14:
//    1.0 ms against 1.9 ms).
// Errors stay at the fp32 level: 1e-6 to 5e-6 of the largest output on random 3x3 convs.
#pragma once

#include <vector>

#include "codegen/lowering.h"
#include "codegen/target_desc.h"
#include "fusion/plan.h"

namespace kiln::codegen::winograd {

constexpr int kLargeTile = 4;       // F(4x4, 3x3)
constexpr int kSmallTile = 2;       // F(2x2, 3x3)
constexpr int kMinTiles = 16;       // per image, batch included
constexpr int kMinTilesPerRow = 7;  // for the grouped way
// Below this many input channels each channel sum is too short to pay for the transforms: VGG-11's first
// conv (3 -> 64 channels at 224x224) ran at 61-66 GFLOP/s with Winograd.
constexpr int kMinInputChannels = 8;

// Input pixels per window side, and products per tile and channel pair, for tiles of `tile` outputs a side.
constexpr int windowSide(int tile) {
  return tile + 2;
}
constexpr int points(int tile) {
  return windowSide(tile) * windowSide(tile);
}

// The tile side `conv` (an op of `block`) is computed with on `target`, or 0 where Winograd does not apply.
// `outputs_as_activations`: the model's outputs are laid out as activations between blocks are
// (CompileOptions::boundaries_as_activations).
int tileFor(const ir::Graph& graph, const fusion::Block& block, int conv, const TargetDesc& target,
            bool outputs_as_activations);

// Tiles along a side of `pixels` outputs.
int64_t tiles(int64_t pixels, int tile);
int64_t transformedWeightBytes(int64_t outs, int64_t ins, int tile, const TargetDesc& target);
// Whether a conv with these channels and output width runs grouped (else staged).
bool grouped(int64_t outs, int64_t ins, int64_t width, int tile, const TargetDesc& target);

// The tile side of a lowered conv, from its channel sums (the WinogradProduct stage).
int tileOf(const Stage& product);

// Weights [O, I, 3, 3] (row-major) transformed and stored [points][ceil(O/panel)][I][panel], zero-padded.
std::vector<float> transformWeights(const std::vector<int64_t>& shape, const float* row_major, int panel,
                                    int tile);

// conv2d lowered through the transforms; its weights input is in a Winograd layout, which says the tile.
// Stages: the zero-padded input (PaddedInput), the transformed windows (WinogradInput, its row pass as
// `operand`), the channel sums (WinogradProduct) and the output transform's column pass (WinogradOutput).
LoweredOp lowerConv2d(const LoweringInput& in);

}  // namespace kiln::codegen::winograd
