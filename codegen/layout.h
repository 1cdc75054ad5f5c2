// Physical layouts: how a tensor of kiln's IR (logical NCHW semantics, PyTorch's dimension order) is laid out
// in memory by generated code.
//
// A layout is a permutation, optionally with one dimension split into blocks. Each logical dimension gets a
// Halide argument position; position 0 is the innermost (unit-stride) dimension and buffers are dense in
// position order. A blocked dimension d of block size B is stored as two: its index / B at position[d] and
// its index % B at position 0 (the other dimensions then start at position 1), and its extent is rounded up
// to a multiple of B (the padding holds zeros). Lowerings never see positions: they index tensors logically
// (TensorFunc::at) and the layout decides where that lands in memory, so a layout change is a scheduling
// decision, not a semantic one.
//
// The choices kiln makes (see chooseLayouts in block_pipeline.h):
//  - model inputs and outputs stay row-major (PyTorch's contiguous layout), so callers pass and receive
//    ordinary tensors and no separate conversion pass ever runs;
//  - rank-4 activations between and inside blocks are channels-innermost (NHWC), the layout conv schedules
//    vectorize over;
//  - conv and linear weights are pre-packed in panels of one vector of output channels, [O/16][KH][KW][I][16]
//    and [O/16][I][16] on AVX-512, so a register tile's weights are contiguous streams whatever the layer's
//    width; output channels that are not a multiple of the vector stay unblocked (HWIO, IO);
//  - the weights of a conv computed with Winograd (winograd.h) are stored transformed, [36][O/16][I][16]
//  (F(4x4)):
//    not a permutation but a change of basis, which only that conv's lowering reads.
#pragma once

#include <string>
#include <vector>

#include <Halide.h>

namespace kiln::codegen {

struct Layout {
  std::vector<int> position;  // logical dimension -> Halide argument position (0 = innermost)
  std::string name;           // memory order from outermost to innermost, e.g. "NHWC", "O/16 H W I o16"
  int blocked = -1;           // the logical dimension split into blocks, or -1
  int block = 1;              // its block size
  // If set (the tile side: 4 or 2), conv weights [O, I, 3, 3] stored as winograd::transformWeights does.
  int winograd_tile = 0;

  int rank() const { return static_cast<int>(position.size()); }  // logical rank
  bool operator==(const Layout& other) const {
    return position == other.position && blocked == other.blocked && block == other.block &&
           winograd_tile == other.winograd_tile;
  }
  // The extents in Halide argument order (innermost first) of a tensor with this logical shape.
  std::vector<int64_t> halideExtents(const std::vector<int64_t>& shape) const;
  // The Halide arguments that address the element at a logical index.
  std::vector<Halide::Expr> halideIndex(const std::vector<Halide::Expr>& index) const;
};

Layout rowMajor(int rank);   // PyTorch's contiguous layout
Layout channelsInnermost();  // rank-4 NCHW values stored as NHWC
// [O, I, KH, KW] stored as [O/panel][KH][KW][I][panel], or HWIO when panel is 1.
Layout convWeightsPacked(int panel);
// [O, I] stored as [O/panel][I][panel], or IO when panel is 1.
Layout linearWeightsPacked(int panel);
// [O, I, 3, 3] transformed for Winograd F(tile x tile, 3x3) and stored [points][O/panel][I][panel],
// zero-padded.
Layout winogradConvWeights(int panel, int tile);

// Rearranges row-major data of the given logical shape into `layout` (used to pre-pack weights); padding
// elements of a blocked dimension are zero. Winograd layouts transform the weights as well.
std::vector<float> toLayout(const std::vector<int64_t>& shape, const float* row_major, const Layout& layout);

}  // namespace kiln::codegen
