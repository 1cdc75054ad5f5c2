#include "codegen/layout.h"

#include <numeric>

namespace kiln::codegen {
namespace {

// Names a layout by listing the logical dimensions' letters from the outermost position inwards.
Layout named(std::vector<int> position, const std::string& letters) {
  std::string name(position.size(), '?');
  const int rank = static_cast<int>(position.size());
  for (int d = 0; d < rank; ++d) name[rank - 1 - position[d]] = letters[d];
  return {std::move(position), name};
}

}  // namespace

std::vector<int64_t> Layout::halideExtents(const std::vector<int64_t>& shape) const {
  std::vector<int64_t> extents(shape.size());
  for (size_t d = 0; d < shape.size(); ++d) extents[position[d]] = shape[d];
  return extents;
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
Layout convWeightsPacked() {
  return named({0, 1, 3, 2}, "OIHW");
}
Layout linearWeightsPacked() {
  return named({0, 1}, "OI");
}

std::vector<float> toLayout(const std::vector<int64_t>& shape, const float* row_major, const Layout& layout) {
  const int rank = static_cast<int>(shape.size());
  const int64_t count = std::accumulate(shape.begin(), shape.end(), int64_t{1}, std::multiplies<>());
  // Stride of each logical dimension in the destination: dense in Halide position order.
  std::vector<int64_t> extents = layout.halideExtents(shape), position_stride(rank), dest_stride(rank);
  int64_t stride = 1;
  for (int p = 0; p < rank; ++p) {
    position_stride[p] = stride;
    stride *= extents[p];
  }
  for (int d = 0; d < rank; ++d) dest_stride[d] = position_stride[layout.position[d]];
  std::vector<float> out(count);
  std::vector<int64_t> index(rank, 0);
  for (int64_t i = 0; i < count; ++i) {
    int64_t dest = 0;
    for (int d = 0; d < rank; ++d) dest += index[d] * dest_stride[d];
    out[dest] = row_major[i];
    for (int d = rank - 1; d >= 0 && ++index[d] == shape[d]; --d) index[d] = 0;
  }
  return out;
}

}  // namespace kiln::codegen
