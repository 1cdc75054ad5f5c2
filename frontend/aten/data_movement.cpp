// Shape and data movement: reshape/view/flatten, permute/transpose, slicing (slice, narrow, select),
// squeeze/unsqueeze, expand, cat, split and chunk.
//
// Argument positions follow the aten schemas (native_functions.yaml); a variant kiln does not handle says so
// through LoweringContext::unsupported.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "frontend/aten/families.h"

namespace kiln::frontend {
namespace {

using Ctx = LoweringContext;
using ir::Attributes;
using ir::ValueId;

std::vector<Binding> reshape(Ctx& c) {
  return one(c.emit("reshape", {c.tensor(0)}, {{"shape", c.toIntList(1)}}));
}

// aten::flatten(self, start_dim, end_dim)
std::vector<Binding> flatten(Ctx& c) {
  const ir::Shape& in = c.type(0).shape;
  int rank = static_cast<int>(in.size());
  int64_t start = c.toInt(1), end = c.toInt(2);
  if (start < 0) start += rank;
  if (end < 0) end += rank;
  if (rank == 0) return one(c.emit("reshape", {c.tensor(0)}, {{"shape", std::vector<int64_t>{1}}}));
  if (start < 0 || end >= rank || start > end) c.unsupported("flatten with out-of-range dimensions");
  ir::Shape out(in.begin(), in.begin() + start);
  out.push_back(std::accumulate(in.begin() + start, in.begin() + end + 1, int64_t{1}, std::multiplies<>()));
  out.insert(out.end(), in.begin() + end + 1, in.end());
  return one(c.emit("reshape", {c.tensor(0)}, {{"shape", out}}));
}

// contiguous, clone, detach: the same values.
std::vector<Binding> passThrough(Ctx& c) {
  return one(c.tensor(0));
}

std::vector<Binding> permute(Ctx& c) {
  return one(c.emit("permute", {c.tensor(0)}, {{"dims", c.toIntList(1)}}));
}

std::vector<Binding> transposeDims(Ctx& c, int64_t a, int64_t b) {
  int rank = c.type(0).rank();
  if (rank < 2) return one(c.tensor(0));
  if (a < 0) a += rank;
  if (b < 0) b += rank;
  std::vector<int64_t> dims(rank);
  std::iota(dims.begin(), dims.end(), 0);
  if (a < 0 || b < 0 || a >= rank || b >= rank) c.unsupported("transpose with out-of-range dimensions");
  std::swap(dims[a], dims[b]);
  return one(c.emit("permute", {c.tensor(0)}, {{"dims", dims}}));
}
std::vector<Binding> transpose(Ctx& c) {
  return transposeDims(c, c.toInt(1), c.toInt(2));
}
std::vector<Binding> t(Ctx& c) {
  return transposeDims(c, 0, 1);
}

// Input 0 under `shape` (same elements, row-major): itself when nothing changes.
ValueId reshaped(Ctx& c, const ir::Shape& shape) {
  if (c.type(0).shape == shape) return c.tensor(0);
  return c.emit("reshape", {c.tensor(0)}, {{"shape", shape}});
}

// Elements [start, end) of `dim`, every `step`-th, bounds already in range; the whole tensor needs no op.
ValueId sliced(Ctx& c, int dim, int64_t start, int64_t end, int64_t step) {
  if (start == 0 && end == c.type(0).shape[dim] && step == 1) return c.tensor(0);
  if (start >= end) c.unsupported("a slice that selects no elements");
  return c.emit("slice", {c.tensor(0)},
                {{"dim", int64_t{dim}}, {"start", start}, {"end", end}, {"step", step}});
}

// aten::slice(self, dim, start, end, step): None, negative and out-of-range bounds as Python's.
std::vector<Binding> slice(Ctx& c) {
  const int dim = normalizedDim(c, c.toInt(1), c.type(0).rank());
  const int64_t size = c.type(0).shape[dim];
  auto bound = [&](int i, int64_t if_none) {
    int64_t v = c.isNone(i) ? if_none : c.toInt(i);
    if (v < 0) v += size;
    return std::clamp<int64_t>(v, 0, size);
  };
  const int64_t step = c.numInputs() > 4 ? c.toInt(4) : 1;
  if (step < 1) c.unsupported("slice with a step below 1");
  return one(sliced(c, dim, bound(2, 0), bound(3, size), step));
}

// aten::narrow(self, dim, start, length)
std::vector<Binding> narrow(Ctx& c) {
  const int dim = normalizedDim(c, c.toInt(1), c.type(0).rank());
  const int64_t size = c.type(0).shape[dim], start = c.toInt(2) < 0 ? c.toInt(2) + size : c.toInt(2);
  if (start < 0 || c.toInt(3) < 0 || start + c.toInt(3) > size) c.unsupported("narrow out of range");
  return one(sliced(c, dim, start, start + c.toInt(3), 1));
}

// aten::select(self, dim, index): the slice at `index`, without dimension `dim`.
std::vector<Binding> select(Ctx& c) {
  const int dim = normalizedDim(c, c.toInt(1), c.type(0).rank());
  ir::Shape shape = c.type(0).shape;
  const int64_t index = c.toInt(2) < 0 ? c.toInt(2) + shape[dim] : c.toInt(2);
  if (index < 0 || index >= shape[dim])
    c.unsupported(fmt::format("select index {} out of range for size {}", c.toInt(2), shape[dim]));
  ValueId row = sliced(c, dim, index, index + 1, 1);
  shape.erase(shape.begin() + dim);
  return one(c.emit("reshape", {row}, {{"shape", shape}}));
}

// aten::squeeze(self), squeeze(self, dim), squeeze(self, dims): drops the listed (or all) size-1 dimensions.
std::vector<Binding> squeeze(Ctx& c) {
  const ir::Shape& in = c.type(0).shape;
  const int rank = c.type(0).rank();
  std::vector<bool> listed(rank, c.numInputs() == 1);
  if (c.numInputs() > 1)
    for (int64_t d : c.toIntList(1)) listed[normalizedDim(c, d, std::max(rank, 1))] = true;
  ir::Shape shape;
  for (int d = 0; d < rank; ++d)
    if (!(listed[d] && in[d] == 1)) shape.push_back(in[d]);
  return one(reshaped(c, shape));
}

// aten::unsqueeze(self, dim): a size-1 dimension inserted before `dim` (dim may equal the rank).
std::vector<Binding> unsqueeze(Ctx& c) {
  ir::Shape shape = c.type(0).shape;
  const int dim = normalizedDim(c, c.toInt(1), c.type(0).rank() + 1);
  shape.insert(shape.begin() + dim, 1);
  return one(reshaped(c, shape));
}

// Input 0 broadcast to `size`, where -1 keeps the input's extent.
ValueId expandedTo(Ctx& c, std::vector<int64_t> size) {
  const ir::Shape& in = c.type(0).shape;
  if (size.size() < in.size()) c.unsupported("expand to fewer dimensions than the input has");
  const size_t lead = size.size() - in.size();
  for (size_t d = 0; d < size.size(); ++d)
    if (size[d] == -1) {
      if (d < lead) c.unsupported("expand with -1 for a new leading dimension");
      size[d] = in[d - lead];
    }
  if (size == in) return c.tensor(0);
  return c.emit("expand", {c.tensor(0)}, {{"shape", size}});
}

// aten::expand(self, size, implicit)
std::vector<Binding> expand(Ctx& c) {
  return one(expandedTo(c, c.toIntList(1)));
}

std::vector<Binding> expandAs(Ctx& c) {
  return one(expandedTo(c, c.type(1).shape));
}

std::vector<Binding> cat(Ctx& c) {
  return one(c.emit("cat", c.tensorList(0), {{"dim", c.toInt(1)}}));
}

std::vector<Binding> splitInto(Ctx& c, std::vector<int64_t> sizes, int64_t dim) {
  return {Binding::tensorList(c.emitMulti("split", {c.tensor(0)}, {{"dim", dim}, {"sizes", sizes}}))};
}

// Consecutive pieces of `size` covering `total`, the last one smaller (torch.split and torch.chunk).
std::vector<int64_t> equalPieces(int64_t total, int64_t size) {
  std::vector<int64_t> sizes;
  for (int64_t done = 0; done < total; done += size) sizes.push_back(std::min(size, total - done));
  return sizes;
}

int64_t dimSize(Ctx& c, int64_t dim) {
  int rank = c.type(0).rank();
  if (dim < -rank || dim >= rank) c.unsupported("dimension out of range");
  return c.type(0).shape[dim < 0 ? dim + rank : dim];
}

// aten::split(self, split_size, dim): pieces of split_size, the last one smaller.
std::vector<Binding> split(Ctx& c) {
  if (c.constant(1).isIntList()) return splitInto(c, c.toIntList(1), c.toInt(2));
  int64_t size = c.toInt(1), total = dimSize(c, c.toInt(2));
  if (size <= 0) c.unsupported("split with a non-positive size");
  return splitInto(c, equalPieces(total, size), c.toInt(2));
}

std::vector<Binding> splitWithSizes(Ctx& c) {
  return splitInto(c, c.toIntList(1), c.toInt(2));
}

// aten::chunk(self, chunks, dim): ceil(n / chunks) per piece, as torch.chunk.
std::vector<Binding> chunk(Ctx& c) {
  int64_t chunks = c.toInt(1), total = dimSize(c, c.toInt(2));
  if (chunks <= 0) c.unsupported("chunk with a non-positive count");
  return splitInto(c, equalPieces(total, (total + chunks - 1) / chunks), c.toInt(2));
}

}  // namespace

LoweringTable dataMovementLowerings() {
  return {
      {"aten::cat", cat},
      {"aten::chunk", chunk},
      {"aten::clone", passThrough},
      {"aten::contiguous", passThrough},
      {"aten::detach", passThrough},
      {"aten::expand", expand},
      {"aten::expand_as", expandAs},
      {"aten::flatten", flatten},
      {"aten::narrow", narrow},
      {"aten::permute", permute},
      {"aten::reshape", reshape},
      {"aten::select", select},
      {"aten::slice", slice},
      {"aten::split", split},
      {"aten::split_with_sizes", splitWithSizes},
      {"aten::squeeze", squeeze},
      {"aten::t", t},
      {"aten::transpose", transpose},
      {"aten::unsqueeze", unsqueeze},
      {"aten::view", reshape},
  };
}

}  // namespace kiln::frontend
