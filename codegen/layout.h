// Physical layouts: how a tensor of kiln's IR (logical NCHW semantics, PyTorch's dimension order) is laid out
// in memory by generated code.
//
// A layout is a permutation. Each logical dimension gets a Halide argument position; position 0 is the
// innermost (unit-stride) dimension and buffers are dense in position order. Lowerings never see positions:
// they index tensors logically (TensorFunc::at) and the layout decides where that lands in memory, so a
// layout change is a scheduling decision, not a semantic one.
//
// The choices kiln makes (see chooseLayouts in block_pipeline.h):
//  - model inputs and outputs stay row-major (PyTorch's contiguous layout), so callers pass and receive
//    ordinary tensors and no separate conversion pass ever runs;
//  - rank-4 activations between and inside blocks are channels-innermost (NHWC), the layout conv schedules
//    vectorize over;
//  - conv weights are pre-packed output-channels-innermost (HWIO) and linear weights input-major (IO), so the
//    vector loads of a register-blocked schedule are contiguous.
#pragma once

#include <string>
#include <vector>

namespace kiln::codegen {

struct Layout {
  std::vector<int> position;  // logical dimension -> Halide argument position (0 = innermost)
  std::string name;           // memory order from outermost to innermost, e.g. "NHWC"

  int rank() const { return static_cast<int>(position.size()); }
  bool operator==(const Layout& other) const { return position == other.position; }
  // The extents in Halide argument order (innermost first) of a tensor with this logical shape.
  std::vector<int64_t> halideExtents(const std::vector<int64_t>& shape) const;
};

Layout rowMajor(int rank);     // PyTorch's contiguous layout
Layout channelsInnermost();    // rank-4 NCHW values stored as NHWC
Layout convWeightsPacked();    // [O, I, KH, KW] stored as HWIO
Layout linearWeightsPacked();  // [O, I] stored as IO

// Rearranges row-major data of the given logical shape into `layout` (used to pre-pack weights).
std::vector<float> toLayout(const std::vector<int64_t>& shape, const float* row_major, const Layout& layout);

}  // namespace kiln::codegen
