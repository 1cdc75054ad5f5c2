// Shape and data movement: reshape/view/flatten, permute/transpose, slicing (slice, narrow, select,
// index_select with constant indices), squeeze/unsqueeze, expand/repeat/tile, cat/stack, split/chunk,
// flip/roll, pad in its four modes, and pixel_shuffle/unshuffle. repeat, roll, stack, pixel (un)shuffle and
// index_select decompose into reshape, expand, slice, cat and permute.
//
// Argument positions follow the aten schemas (native_functions.yaml); a variant kiln does not handle says so
// through LoweringContext::unsupported.
#include <algorithm>
#include <numeric>

#include "frontend/aten/families.h"
#include "frontend/aten_tensors.h"

namespace kiln::frontend {
namespace {

using Ctx = LoweringContext;
using ir::ValueId;

std::vector<Binding> reshape(Ctx& c) {
  return one(c.emit("reshape", {c.tensor(0)}, {{"shape", c.toIntList(1)}}));
}

// aten::flatten(self, start_dim, end_dim)
std::vector<Binding> flatten(Ctx& c) {
  const ir::Shape in = c.type(0).shape;
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

// Elements [start, end) of `dim`, every `step`-th, bounds already in range; the whole tensor needs no op.
ValueId sliced(Ctx& c, int dim, int64_t start, int64_t end, int64_t step) {
  if (start == 0 && end == c.type(0).shape[dim] && step == 1) return c.tensor(0);
  if (start >= end) c.unsupported("a slice that selects no elements");
  return sliceOf(c, c.tensor(0), dim, start, end, step);
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
  if (start < 0 || c.toInt(3) < 0 || c.toInt(3) > size - start) c.unsupported("narrow out of range");
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
  const ir::Shape in = c.type(0).shape;
  const int rank = c.type(0).rank();
  std::vector<bool> listed(rank, c.numInputs() == 1);
  if (c.numInputs() > 1)
    for (int64_t d : c.toIntList(1)) listed[normalizedDim(c, d, std::max(rank, 1))] = true;
  ir::Shape shape;
  for (int d = 0; d < rank; ++d)
    if (!(listed[d] && in[d] == 1)) shape.push_back(in[d]);
  return one(reshapeTo(c, c.tensor(0), shape));
}

// aten::unsqueeze(self, dim): a size-1 dimension inserted before `dim` (dim may equal the rank).
std::vector<Binding> unsqueeze(Ctx& c) {
  ir::Shape shape = c.type(0).shape;
  const int dim = normalizedDim(c, c.toInt(1), c.type(0).rank() + 1);
  shape.insert(shape.begin() + dim, 1);
  return one(reshapeTo(c, c.tensor(0), shape));
}

// Input 0 broadcast to `size`, where -1 keeps the input's extent.
ValueId expandedTo(Ctx& c, std::vector<int64_t> size) {
  const ir::Shape in = c.type(0).shape;
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
std::vector<int64_t> equalPieces(Ctx& c, int64_t total, int64_t size) {
  const int64_t count = total / size + (total % size != 0);
  if (count > static_cast<int64_t>(c.maxOps()))
    c.unsupported(
        fmt::format("a split into {} pieces, more than the {} values kiln imports", count, c.maxOps()));
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
  return splitInto(c, equalPieces(c, total, size), c.toInt(2));
}

std::vector<Binding> splitWithSizes(Ctx& c) {
  return splitInto(c, c.toIntList(1), c.toInt(2));
}

// aten::chunk(self, chunks, dim): ceil(n / chunks) per piece, as torch.chunk.
std::vector<Binding> chunk(Ctx& c) {
  int64_t chunks = c.toInt(1), total = dimSize(c, c.toInt(2));
  if (chunks <= 0) c.unsupported("chunk with a non-positive count");
  return splitInto(c, equalPieces(c, total, total / chunks + (total % chunks != 0)), c.toInt(2));
}

// aten::stack(tensors, dim): each unsqueezed at dim, then cat.
std::vector<Binding> stack(Ctx& c) {
  std::vector<ValueId> parts = c.tensorList(0);
  const int dim = normalizedDim(c, c.toInt(1), c.typeOf(parts.at(0)).rank() + 1);
  for (ValueId& part : parts) part = unsqueezed(c, part, dim);
  return one(concatenated(c, parts, dim));
}

// aten::repeat(self, repeats) and tile(self, dims): every dimension d of size n repeated r times is
// [r, n] broadcast and merged: reshape to [1, n0, 1, n1, ...], expand to [r0, n0, r1, n1, ...], reshape.
ValueId repeated(Ctx& c, std::vector<int64_t> repeats) {
  ir::Shape in = c.type(0).shape;
  if (repeats.size() < in.size()) c.unsupported("repeat with fewer repeats than the input has dimensions");
  in.insert(in.begin(), repeats.size() - in.size(), 1);
  ir::Shape interleaved, broadcast, merged;
  for (size_t d = 0; d < in.size(); ++d) {
    if (repeats[d] < 1) c.unsupported("repeat with a count below 1");
    interleaved.insert(interleaved.end(), {1, in[d]});
    broadcast.insert(broadcast.end(), {repeats[d], in[d]});
    merged.push_back(boundedProduct(c, repeats[d], in[d]));
  }
  if (merged == c.type(0).shape) return c.tensor(0);
  ValueId spread = reshapeTo(c, c.tensor(0), interleaved);
  return reshapeTo(c, c.emit("expand", {spread}, {{"shape", broadcast}}), merged);
}

std::vector<Binding> repeat(Ctx& c) {
  return one(repeated(c, c.toIntList(1)));
}

// torch.tile pads the repeats with leading 1s up to the input's rank.
std::vector<Binding> tile(Ctx& c) {
  std::vector<int64_t> repeats = c.toIntList(1);
  const size_t rank = c.type(0).shape.size();
  if (repeats.size() < rank) repeats.insert(repeats.begin(), rank - repeats.size(), 1);
  return one(repeated(c, repeats));
}

// aten::flip(self, dims)
std::vector<Binding> flip(Ctx& c) {
  std::vector<int64_t> dims = c.toIntList(1);
  if (dims.empty() || c.type(0).rank() == 0) return one(c.tensor(0));
  for (int64_t& d : dims) d = normalizedDim(c, d, c.type(0).rank());
  return one(c.emit("flip", {c.tensor(0)}, {{"dims", dims}}));
}

// aten::roll(self, shifts, dims): per dimension, the last `shift` elements moved to the front (two slices and
// a cat); without dims, the flattened tensor rolls.
std::vector<Binding> roll(Ctx& c) {
  const std::vector<int64_t> shifts = c.toIntList(1),
                             dims = c.numInputs() > 2 ? c.toIntList(2) : std::vector<int64_t>{};
  const ir::Shape shape = c.type(0).shape;
  ValueId x = c.tensor(0);
  if (dims.empty()) {
    if (shifts.size() != 1) c.unsupported("roll without dims takes one shift");
    x = reshapeTo(c, x, {c.type(0).numElements()});
  } else if (shifts.size() != dims.size()) {
    c.unsupported("roll with different numbers of shifts and dims");
  }
  for (size_t k = 0; k < shifts.size(); ++k) {
    const int dim = dims.empty() ? 0 : normalizedDim(c, dims[k], c.type(0).rank());
    const int64_t n = c.typeOf(x).shape[dim], shift = ((shifts[k] % n) + n) % n;
    if (shift == 0) continue;
    x = concatenated(c, {sliceOf(c, x, dim, n - shift, n), sliceOf(c, x, dim, 0, n - shift)}, dim);
  }
  return one(reshapeTo(c, x, shape));
}

// kiln's pad attribute (before, after per dimension, first to last) from PyTorch's (last dimension first).
std::vector<int64_t> kilnPads(Ctx& c, const std::vector<int64_t>& torch_pads, int rank) {
  if (torch_pads.size() % 2 != 0 || static_cast<int>(torch_pads.size()) > 2 * rank)
    c.unsupported(fmt::format("a pad list of {} values for a rank-{} tensor", torch_pads.size(), rank));
  std::vector<int64_t> pads(2 * rank, 0);
  for (size_t k = 0; k < torch_pads.size() / 2; ++k) {
    const int dim = rank - 1 - static_cast<int>(k);
    pads[2 * dim] = torch_pads[2 * k];
    pads[2 * dim + 1] = torch_pads[2 * k + 1];
  }
  return pads;
}

ValueId padded(Ctx& c, const std::vector<int64_t>& torch_pads, const std::string& mode, double value) {
  const std::vector<int64_t> pads = kilnPads(c, torch_pads, c.type(0).rank());
  if (std::all_of(pads.begin(), pads.end(), [](int64_t p) { return p == 0; })) return c.tensor(0);
  return c.emit("pad", {c.tensor(0)}, {{"pads", pads}, {"mode", mode}, {"value", value}});
}

// aten::pad(self, pad, mode, value) and constant_pad_nd(self, pad, value).
std::vector<Binding> pad(Ctx& c) {
  const std::string mode = c.numInputs() > 2 ? c.toText(2) : "constant";
  const double value = c.numInputs() > 3 && !c.isNone(3) ? c.toDouble(3) : 0.0;
  return one(padded(c, c.toIntList(1), mode, value));
}

std::vector<Binding> constantPadNd(Ctx& c) {
  return one(padded(c, c.toIntList(1), "constant", c.numInputs() > 2 ? c.toDouble(2) : 0.0));
}

template <const char* Mode>
std::vector<Binding> modePad(Ctx& c) {
  return one(padded(c, c.toIntList(1), Mode, 0.0));
}
constexpr char kReflect[] = "reflect", kReplicate[] = "replicate";

// aten::pixel_shuffle(self, r): [N, C r^2, H, W] -> [N, C, H r, W r]; pixel_unshuffle is its inverse. Both
// are a reshape, a permute and a reshape.
template <bool kShuffle>
std::vector<Binding> pixelShuffle(Ctx& c) {
  const ir::Shape in = c.type(0).shape;
  const int64_t r = c.toInt(1);
  if (in.size() < 3) c.unsupported("pixel (un)shuffle of fewer than 3 dimensions");
  if (r < 1) c.unsupported("a pixel (un)shuffle factor below 1");
  const ir::Shape lead(in.begin(), in.end() - 3);
  const int64_t ch = in[in.size() - 3], h = in[in.size() - 2], w = in[in.size() - 1];
  // r > ch / r first: r * r would overflow for a factor near 2^32.
  if (kShuffle ? r > ch / r || ch % (r * r) != 0 : h % r != 0 || w % r != 0)
    c.unsupported("a pixel (un)shuffle whose sizes the factor does not divide");
  const int b = static_cast<int>(lead.size());
  auto withLead = [&](std::initializer_list<int64_t> rest) {
    ir::Shape s = lead;
    s.insert(s.end(), rest);
    return s;
  };
  std::vector<int64_t> dims(b);
  std::iota(dims.begin(), dims.end(), 0);
  ValueId split;
  if (kShuffle) {  // [.., C, r, r, H, W] -> [.., C, H, r, W, r]
    split = reshapeTo(c, c.tensor(0), withLead({ch / (r * r), r, r, h, w}));
    for (int d : {0, 3, 1, 4, 2}) dims.push_back(b + d);
  } else {  // [.., C, H, r, W, r] -> [.., C, r, r, H, W]
    split = reshapeTo(c, c.tensor(0), withLead({ch, h / r, r, w / r, r}));
    for (int d : {0, 2, 4, 1, 3}) dims.push_back(b + d);
  }
  ValueId moved = c.emit("permute", {split}, {{"dims", dims}});
  return one(reshapeTo(
      c, moved, kShuffle ? withLead({ch / (r * r), h * r, w * r}) : withLead({ch * r * r, h / r, w / r})));
}

// aten::zeros_like / ones_like(self, dtype, ...) and full_like(self, fill_value, dtype, ...): a constant of
// self's shape, in the dtype given or self's.
ValueId filledLike(Ctx& c, double value, int dtype_arg) {
  const ir::TensorType like = c.type(0);
  std::optional<ir::DType> dtype = like.dtype;
  if (dtype_arg < c.numInputs() && !c.isNone(dtype_arg))
    dtype = irDType(static_cast<at::ScalarType>(c.toInt(dtype_arg)));
  if (!dtype) c.unsupported("a dtype kiln does not compute in (it computes in float32, int64 and bool)");
  return castTo(c, c.addConstant("filled", ir::Tensor::filled(like.shape, static_cast<float>(value))),
                *dtype);
}

template <int kValue>
std::vector<Binding> constantLike(Ctx& c) {
  return one(filledLike(c, kValue, 1));
}

std::vector<Binding> fullLike(Ctx& c) {
  return one(filledLike(c, c.toDouble(1), 2));
}

// aten::gather(self, dim, index, sparse_grad)
std::vector<Binding> gather(Ctx& c) {
  return one(
      c.emit("gather", {c.tensor(0), castTo(c, c.tensor(2), ir::DType::Int64)}, {{"dim", c.toInt(1)}}));
}

// aten::embedding(weight, indices, padding_idx, scale_grad_by_freq, sparse): the arguments after the
// indices matter to training only.
std::vector<Binding> embedding(Ctx& c) {
  return one(c.emit("embedding", {c.tensor(0), castTo(c, c.tensor(1), ir::DType::Int64)}));
}

// index_select with indices computed at run time: a gather whose index is the indices laid along `dim` and
// repeated across the other dimensions.
ValueId gatheredAlong(Ctx& c, ValueId x, int dim, ValueId indices) {
  ir::Shape along(c.typeOf(x).rank(), 1), out = c.typeOf(x).shape;
  along[dim] = out[dim] = c.typeOf(indices).numElements();
  const ValueId index =
      c.emit("expand", {reshapeTo(c, castTo(c, indices, ir::DType::Int64), along)}, {{"shape", out}});
  return c.emit("gather", {x, index}, {{"dim", int64_t{dim}}});
}

// aten::index_select(self, dim, index). A constant index becomes runs of consecutive indices, as slices
// joined by cat.
std::vector<Binding> indexSelect(Ctx& c) {
  const int rank = c.type(0).rank();
  if (c.isTensor(2))
    return one(gatheredAlong(c, c.tensor(0), normalizedDim(c, c.toInt(1), rank), c.tensor(2)));
  const c10::IValue& index = c.constant(2);
  if (!index.isTensor() || index.toTensor().dim() > 1 || c10::isFloatingType(index.toTensor().scalar_type()))
    c.unsupported("index_select with indices computed at run time");
  const int dim = normalizedDim(c, c.toInt(1), c.type(0).rank());
  const int64_t n = c.type(0).shape[dim];
  at::Tensor indices = index.toTensor().to(at::kLong).reshape({-1});
  std::vector<ValueId> runs;
  for (int64_t k = 0; k < indices.numel();) {
    const int64_t first = indices[k].item<int64_t>();
    if (first < -n || first >= n) c.unsupported(fmt::format("index {} out of range for size {}", first, n));
    const int64_t start = first < 0 ? first + n : first;
    int64_t end = start + 1;
    while (++k < indices.numel() && indices[k].item<int64_t>() == end && end < n) ++end;
    runs.push_back(sliced(c, dim, start, end, 1));
  }
  if (runs.empty()) c.unsupported("index_select with no indices");
  return one(concatenated(c, runs, dim));
}

}  // namespace

LoweringTable dataMovementLowerings() {
  return {
      {"aten::cat", cat},
      {"aten::chunk", chunk},
      {"aten::clone", passThrough},
      {"aten::constant_pad_nd", constantPadNd},
      {"aten::contiguous", passThrough},
      {"aten::detach", passThrough},
      {"aten::embedding", embedding},
      {"aten::expand", expand},
      {"aten::expand_as", expandAs},
      {"aten::flatten", flatten},
      {"aten::flip", flip},
      {"aten::full_like", fullLike},
      {"aten::gather", gather},
      {"aten::index_select", indexSelect},
      {"aten::narrow", narrow},
      {"aten::ones_like", constantLike<1>},
      {"aten::pad", pad},
      {"aten::permute", permute},
      {"aten::pixel_shuffle", pixelShuffle<true>},
      {"aten::pixel_unshuffle", pixelShuffle<false>},
      {"aten::reflection_pad1d", modePad<kReflect>},
      {"aten::reflection_pad2d", modePad<kReflect>},
      {"aten::repeat", repeat},
      {"aten::replication_pad1d", modePad<kReplicate>},
      {"aten::replication_pad2d", modePad<kReplicate>},
      {"aten::reshape", reshape},
      {"aten::roll", roll},
      {"aten::select", select},
      {"aten::slice", slice},
      {"aten::split", split},
      {"aten::split_with_sizes", splitWithSizes},
      {"aten::squeeze", squeeze},
      {"aten::stack", stack},
      {"aten::t", t},
      {"aten::tile", tile},
      {"aten::transpose", transpose},
      {"aten::unsqueeze", unsqueeze},
      {"aten::view", reshape},
      {"aten::zeros_like", constantLike<0>},
  };
}

}  // namespace kiln::frontend
