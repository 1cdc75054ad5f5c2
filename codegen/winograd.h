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
// [36][O/panel][I][panel]), so a run only transforms activations. kiln uses it where it measured faster than
// its direct conv (AVX2, 2 threads, 3x3 convs at 64 channels 56x56 and 128 at 28x28: 0.67-0.70 ms against
// 1.3 ms): a block whose only sum of products is such a conv, whose output is not a model output (those keep
// PyTorch's layout), whose transformed weights stay in the last-level cache, and whose output rows hold at
// least 7 tiles, so each pass over the weights feeds 7 tiles.
// Narrower rows or bigger weights (ResNet's 14x14 and 7x7 layers) measured slower and keep the direct conv.
// Errors stay at the fp32 level: 1e-6 to 5e-6 of the largest output on random 3x3 convs.
#pragma once

#include <vector>

#include "codegen/lowering.h"
#include "codegen/target_desc.h"
#include "fusion/plan.h"

namespace kiln::codegen::winograd {

constexpr int kTile = 4;     // output pixels per tile side
constexpr int kWindow = 6;   // input pixels per window side: kTile + 3 - 1
constexpr int kPoints = 36;  // kWindow * kWindow products per tile and channel pair
constexpr int kMinTilesPerRow = 7;

// Whether `conv` (an op of `block`) is computed with Winograd on `target`.
bool applies(const ir::Graph& graph, const fusion::Block& block, int conv, const TargetDesc& target);

// Weights [O, I, 3, 3] (row-major) transformed and stored [36][ceil(O/panel)][I][panel], zero-padded.
std::vector<float> transformWeights(const std::vector<int64_t>& shape, const float* row_major, int panel);

// conv2d lowered through the transforms; its weights input is in the Winograd layout. Stages: the zero-padded
// input (PaddedInput), the transformed windows (WinogradInput, its row pass as `operand`), the 36 channel
// sums (WinogradProduct) and the output transform's column pass (WinogradOutput).
LoweredOp lowerConv2d(const LoweringInput& in);

}  // namespace kiln::codegen::winograd
