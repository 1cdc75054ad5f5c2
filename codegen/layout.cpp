#include "codegen/layout.h"

#include <numeric>

#include <fmt/format.h>

#include "codegen/winograd.h"

namespace kiln::codegen {
namespace {

// Names a layout by listing the logical dimensions' letters from the outermost position inwards.
Layout named(std::vector<int> position, const std::string& letters) {
  std::string name(position.size(), '?');
  const int rank = static_cast<int>(position.size());
  for (int d = 0; d < rank; ++d) name[rank - 1 - position[d]] = letters[d];
  return {std::move(position), name};
}

// Blocks `dim` of a permutation layout by `block` into panels: the element within a panel goes innermost
// (position 0), the panel index outermost, and the other dimensions keep their order in between.
Layout blockedBy(Layout layout, int dim, int block, const std::string& name) {
  if (block <= 1) return layout;
  const int rank = layout.rank();
  for (int& p : layout.position) p += p < layout.position[dim] ? 1 : 0;
  layout.position[dim] = rank;
  layout.blocked = dim;
  layout.block = block;
  layout.name = name;
  return layout;
}

}  // namespace

std::vector<int64_t> Layout::halideExtents(const std::vector<int64_t>& shape) const {
  if (winograd_tile)
    return {block, shape[1], (shape[0] + block - 1) / block, winograd::points(winograd_tile)};
  std::vector<int64_t> extents(shape.size() + (blocked >= 0 ? 1 : 0));
  for (size_t d = 0; d < shape.size(); ++d) extents[position[d]] = shape[d];
  if (blocked >= 0) {
    extents[0] = block;
    extents[position[blocked]] = (shape[blocked] + block - 1) / block;
  }
  return extents;
}

std::vector<Halide::Expr> Layout::halideIndex(const std::vector<Halide::Expr>& index) const {
  std::vector<Halide::Expr> args(index.size() + (blocked >= 0 ? 1 : 0));
  for (size_t d = 0; d < index.size(); ++d) args[position[d]] = index[d];
  if (blocked >= 0) {
    args[0] = index[blocked] % block;
    args[position[blocked]] = index[blocked] / block;
  }
  return args;
}

Layout rowMajor(int rank) {
  std::vector<int> position(rank);
  for (int d = 0; d < rank; ++d) position[d] = rank - 1 - d;
  static const std::string letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  if (rank == 4) return named(position, "NCHW");
  return named(position, letters.substr(0, rank));
}

Layout channelsInnermost() {
  return named({3, 0, 2, 1}, "NCHW");
}
Layout convWeightsPacked(int panel) {
  return blockedBy(named({0, 1, 3, 2}, "OIHW"), 0, panel, fmt::format("O/{} H W I o{}", panel, panel));
}
Layout linearWeightsPacked(int panel) {
  return blockedBy(named({0, 1}, "OI"), 0, panel, fmt::format("O/{} I o{}", panel, panel));
}

Layout winogradConvWeights(int panel, int tile) {
  Layout layout = convWeightsPacked(panel);
  layout.blocked = 0;
  layout.block = panel;
  layout.winograd_tile = tile;
  layout.name =
      fmt::format("{} O/{} I o{} (Winograd F({}x{},3x3))", winograd::points(tile), panel, panel, tile, tile);
  return layout;
}

std::vector<float> toLayout(const std::vector<int64_t>& shape, const float* row_major, const Layout& layout) {
  if (layout.winograd_tile)
    return winograd::transformWeights(shape, row_major, layout.block, layout.winograd_tile);
  const int rank = static_cast<int>(shape.size());
  const int64_t count = std::accumulate(shape.begin(), shape.end(), int64_t{1}, std::multiplies<>());
  // Stride of each Halide position in the destination: dense in position order.
  const std::vector<int64_t> extents = layout.halideExtents(shape);
  std::vector<int64_t> position_stride(extents.size());
  int64_t stride = 1;
  for (size_t p = 0; p < extents.size(); ++p) {
    position_stride[p] = stride;
    stride *= extents[p];
  }
  std::vector<float> out(stride, 0.0f);
  std::vector<int64_t> index(rank, 0);
  for (int64_t i = 0; i < count; ++i) {
    int64_t dest = 0;
    for (int d = 0; d < rank; ++d) {
      if (d == layout.blocked)
        dest += index[d] % layout.block * position_stride[0] +
                index[d] / layout.block * position_stride[layout.position[d]];
      else
        dest += index[d] * position_stride[layout.position[d]];
    }
    out[dest] = row_major[i];
    for (int d = rank - 1; d >= 0 && ++index[d] == shape[d]; --d) index[d] = 0;
  }
  return out;
}

}  // namespace kiln::codegen
