// Reductions: mean, sum, amax/amin and max/min (over all or some dimensions), argmax/argmin and
// topk/sort/argsort (along one), and the ops PyTorch builds from them, decomposed here into kiln's reduction
// and elementwise kinds:
//   var  = sum((x - mean(x))^2) / (n - correction),  std = sqrt(var)
//   norm = sum(|x|^p)^(1/p)  (p = 2: sqrt(sum(x x)); p = 1: sum |x|; p = ±inf: amax/amin |x|)
//   log_softmax = s - log(sum(exp(s))),  s = x - amax(x);  logsumexp = log(sum(exp(x - m))) + m
//   cumsum along d = x · L over d, with L the constant lower-triangular matrix of ones (a linear layer,
//   O(n^2) per row, which the GEMM template runs at speed for the short axes models accumulate over).
// The integer indices of max/min along a dimension are not supported (kiln's run-time tensors are float).
#include <cmath>
#include <numeric>

#include "frontend/aten/families.h"

namespace kiln::frontend {
namespace {

using Ctx = LoweringContext;
using ir::ValueId;

std::vector<int64_t> allDims(int rank) {
  std::vector<int64_t> dims(rank);
  std::iota(dims.begin(), dims.end(), 0);
  return dims;
}

// `kind` (mean, sum, amax, amin) of `x` over `dims` (none: every dimension).
ValueId reduced(Ctx& c, const char* kind, ValueId x, std::vector<int64_t> dims, bool keepdim) {
  const int rank = c.typeOf(x).rank();
  if (rank == 0) return x;
  if (dims.empty()) dims = allDims(rank);
  for (int64_t& d : dims) d = normalizedDim(c, d, rank);
  return c.emit(kind, {x}, {{"dims", dims}, {"keepdim", keepdim}});
}

// The reduced dimensions of argument `i`: a list, one int, or None (all).
std::vector<int64_t> dimsArgument(Ctx& c, int i) {
  return c.isNone(i) ? std::vector<int64_t>{} : c.toIntList(i);
}

int64_t countOver(Ctx& c, ValueId x, const std::vector<int64_t>& dims) {
  const ir::Shape shape = c.typeOf(x).shape;
  int64_t n = 1;
  for (int64_t d : dims.empty() ? allDims(static_cast<int>(shape.size())) : dims)
    n *= shape[normalizedDim(c, d, static_cast<int>(shape.size()))];
  return n;
}

constexpr char kMean[] = "mean", kSum[] = "sum", kAmax[] = "amax", kAmin[] = "amin";

// aten::mean / aten::sum (self, dtype) or (self, dim, keepdim, dtype); a sum of integers is an int64 tensor
template <const char* Kind>
std::vector<Binding> meanOrSum(Ctx& c) {
  if (!c.isNone(c.numInputs() - 1)) c.unsupported(fmt::format("{} with a dtype argument", Kind));
  const ValueId x = floatTensor(c, 0);
  const ValueId result = c.numInputs() < 3 ? reduced(c, Kind, x, {}, false)
                                           : reduced(c, Kind, x, dimsArgument(c, 1), c.toBool(2));
  return Kind == kSum ? promoted(c, result, 1) : one(result);
}

// aten::amax / amin(self, dim, keepdim)
template <const char* Kind>
std::vector<Binding> amaxOrAmin(Ctx& c) {
  return one(reduced(c, Kind, floatTensor(c, 0), c.toIntList(1), c.numInputs() > 2 && c.toBool(2)));
}

// aten::argmax / argmin(self, dim, keepdim); dim None: along the flattened tensor.
template <const char* Kind>
std::vector<Binding> argExtreme(Ctx& c) {
  const ValueId x = floatTensor(c, 0);
  const bool keepdim = c.numInputs() > 2 && c.toBool(2);
  if (c.numInputs() > 1 && !c.isNone(1))
    return one(c.emit(Kind, {x}, {{"dim", c.toInt(1)}, {"keepdim", keepdim}}));
  const ir::TensorType type = c.typeOf(x);
  const ValueId index =
      c.emit(Kind, {reshapeTo(c, x, {type.numElements()})}, {{"dim", int64_t{0}}, {"keepdim", keepdim}});
  return one(keepdim ? reshapeTo(c, index, ir::Shape(type.rank(), 1)) : index);
}
constexpr char kArgmax[] = "argmax", kArgmin[] = "argmin";

ir::Attributes topkAttributes(int64_t k, int64_t dim, bool largest) {
  return {{"k", k}, {"dim", dim}, {"largest", largest}};
}

// aten::topk(self, k, dim, largest, sorted): kiln's order is sorted; PyTorch's unsorted one is unspecified.
std::vector<Binding> topk(Ctx& c) {
  if (c.numInputs() > 4 && !c.toBool(4)) c.unsupported("topk with sorted=False");
  const std::vector<ValueId> outputs = c.emitMulti(
      "topk", {floatTensor(c, 0)},
      topkAttributes(c.toInt(1), c.numInputs() > 2 ? c.toInt(2) : -1, c.numInputs() <= 3 || c.toBool(3)));
  return {Binding::tensor(outputs[0]), Binding::tensor(outputs[1])};
}

// aten::sort / argsort(self, dim, descending), and their stable overloads (self, stable, dim, descending):
// topk of the whole dimension. Equal elements stay in index order, so every sort is stable.
template <bool kIndicesOnly>
std::vector<Binding> sort(Ctx& c) {
  const ValueId x = floatTensor(c, 0);
  const int first = c.numInputs() == 4 ? 2 : 1;  // where dim is
  const int64_t dim = c.toInt(first);
  const int64_t n = c.typeOf(x).shape[normalizedDim(c, dim, c.typeOf(x).rank())];
  const std::vector<ValueId> outputs = c.emitMulti("topk", {x}, topkAttributes(n, dim, c.toBool(first + 1)));
  if (kIndicesOnly) return one(outputs[1]);
  return {Binding::tensor(outputs[0]), Binding::tensor(outputs[1])};
}

// aten::max / min: (self) over everything; (self, other) elementwise; (self, dim, keepdim) values and
// indices (computed only when read).
template <const char* Kind, const char* Elementwise, const char* ArgKind>
std::vector<Binding> maxOrMin(Ctx& c) {
  if (c.numInputs() == 1) return one(reduced(c, Kind, floatTensor(c, 0), {}, false));
  if (c.numInputs() == 2) return one(c.emit(Elementwise, {floatTensor(c, 0), floatTensor(c, 1)}));
  const ValueId x = floatTensor(c, 0);
  const int64_t dim = c.toInt(1);
  const bool keepdim = c.toBool(2);
  Binding indices;
  if (c.outputUsed(1)) indices = Binding::tensor(c.emit(ArgKind, {x}, {{"dim", dim}, {"keepdim", keepdim}}));
  return {Binding::tensor(reduced(c, Kind, x, {dim}, keepdim)), indices};
}
constexpr char kMaximum[] = "maximum", kMinimum[] = "minimum";

// aten::var / std: (self, unbiased) over everything, or (self, dim, unbiased | correction, keepdim).
template <bool kStd>
std::vector<Binding> varOrStd(Ctx& c) {
  ValueId x = floatTensor(c, 0);
  const bool all = c.numInputs() == 2;
  const std::vector<int64_t> dims = all ? std::vector<int64_t>{} : dimsArgument(c, 1);
  const bool keepdim = !all && c.toBool(3);
  const int correction_arg = all ? 1 : 2;
  double correction = 1;
  if (c.constant(correction_arg).isBool())
    correction = c.toBool(correction_arg) ? 1 : 0;
  else if (!c.isNone(correction_arg))
    correction = c.toDouble(correction_arg);
  ValueId centered = c.emit("sub", {x, reduced(c, kMean, x, dims, true)});
  ValueId squares = reduced(c, kSum, c.emit("mul", {centered, centered}), dims, keepdim);
  const double n = static_cast<double>(countOver(c, x, dims));
  ValueId var =
      c.emit("mul", {squares, scalarConstant(c, "inverse_count", 1.0 / std::max(n - correction, 0.0))});
  return one(kStd ? c.emit("sqrt", {var}) : var);
}

ValueId vectorNorm(Ctx& c, ValueId x, double p, const std::vector<int64_t>& dims, bool keepdim) {
  if (p == 2) return c.emit("sqrt", {reduced(c, kSum, c.emit("mul", {x, x}), dims, keepdim)});
  ValueId magnitude = c.emit("abs", {x});
  if (p == 1) return reduced(c, kSum, magnitude, dims, keepdim);
  if (std::isinf(p)) return reduced(c, p > 0 ? kAmax : kAmin, magnitude, dims, keepdim);
  if (p == 0) c.unsupported("the 0-norm (a count of non-zero elements)");
  ValueId powered = c.emit("pow", {magnitude}, {{"exponent", p}});
  return c.emit("pow", {reduced(c, kSum, powered, dims, keepdim)}, {{"exponent", 1.0 / p}});
}

// aten::norm(self, p) | (self, p, dim, keepdim[, dtype]); linalg_vector_norm(self, ord, dim, keepdim, dtype);
// frobenius_norm(self[, dim, keepdim]).
std::vector<Binding> norm(Ctx& c) {
  if (c.numInputs() > 4 && !c.isNone(4)) c.unsupported("norm with a dtype argument");
  const double p = c.isNone(1) ? 2.0 : c.toDouble(1);
  if (c.numInputs() == 2) return one(vectorNorm(c, floatTensor(c, 0), p, {}, false));
  return one(vectorNorm(c, floatTensor(c, 0), p, dimsArgument(c, 2), c.toBool(3)));
}

std::vector<Binding> frobeniusNorm(Ctx& c) {
  if (c.numInputs() == 1) return one(vectorNorm(c, floatTensor(c, 0), 2, {}, false));
  return one(vectorNorm(c, floatTensor(c, 0), 2, c.toIntList(1), c.toBool(2)));
}

// aten::log_softmax(self, dim, dtype)
std::vector<Binding> logSoftmax(Ctx& c) {
  if (c.numInputs() > 2 && !c.isNone(2)) c.unsupported("log_softmax with a dtype argument");
  ValueId x = floatTensor(c, 0);
  const std::vector<int64_t> dim = {c.toInt(1)};
  ValueId shifted = c.emit("sub", {x, reduced(c, kAmax, x, dim, true)});
  ValueId total = reduced(c, kSum, c.emit("exp", {shifted}), dim, true);
  return one(c.emit("sub", {shifted, c.emit("log", {total})}));
}

// aten::logsumexp(self, dim, keepdim)
std::vector<Binding> logSumExp(Ctx& c) {
  ValueId x = floatTensor(c, 0);
  const std::vector<int64_t> dims = c.toIntList(1);
  ValueId peak = reduced(c, kAmax, x, dims, true);
  ValueId total = reduced(c, kSum, c.emit("exp", {c.emit("sub", {x, peak})}), dims, true);
  ValueId result = c.emit("add", {c.emit("log", {total}), peak});
  if (c.toBool(2)) return one(result);
  ir::Shape dropped;
  const ir::Shape in = c.typeOf(x).shape;
  std::vector<bool> listed(in.size(), false);
  for (int64_t d : dims) listed[normalizedDim(c, d, static_cast<int>(in.size()))] = true;
  for (size_t d = 0; d < in.size(); ++d)
    if (!listed[d]) dropped.push_back(in[d]);
  return one(reshapeTo(c, result, dropped));
}

// The longest dimension cumsum runs along: its triangle of ones then takes 64 MiB (a 100,000-token sequence
// would have taken 40 GB at import).
constexpr int64_t kMaxCumsumLength = 4096;

// aten::cumsum(self, dim, dtype)
std::vector<Binding> cumsum(Ctx& c) {
  if (c.numInputs() > 2 && !c.isNone(2)) c.unsupported("cumsum with a dtype argument");
  ValueId x = floatTensor(c, 0);
  const int rank = c.typeOf(x).rank();
  if (rank == 0) return one(x);
  const int dim = normalizedDim(c, c.toInt(1), rank);
  const int64_t n = c.typeOf(x).shape[dim];
  if (n > kMaxCumsumLength)
    c.unsupported(fmt::format("cumsum along {} elements (kiln multiplies by an n x n triangle; n <= {})", n,
                              kMaxCumsumLength));
  std::vector<float> lower(n * n, 0.0f);
  for (int64_t row = 0; row < n; ++row)
    for (int64_t col = 0; col <= row; ++col) lower[row * n + col] = 1.0f;
  ValueId weight = c.addConstant("cumsum_lower_triangle", ir::Tensor({n, n}, std::move(lower)));
  if (dim == rank - 1) return one(c.emit("linear", {x, weight}));
  std::vector<int64_t> to_last = allDims(rank);
  std::swap(to_last[dim], to_last[rank - 1]);  // a swap is its own inverse
  ValueId moved = c.emit("permute", {x}, {{"dims", to_last}});
  return one(c.emit("permute", {c.emit("linear", {moved, weight})}, {{"dims", to_last}}));
}

}  // namespace

LoweringTable reductionLowerings() {
  return {
      {"aten::amax", amaxOrAmin<kAmax>},
      {"aten::amin", amaxOrAmin<kAmin>},
      {"aten::argmax", argExtreme<kArgmax>},
      {"aten::argmin", argExtreme<kArgmin>},
      {"aten::argsort", sort<true>},
      {"aten::cumsum", cumsum},
      {"aten::frobenius_norm", frobeniusNorm},
      {"aten::linalg_vector_norm", norm},
      {"aten::log_softmax", logSoftmax},
      {"aten::logsumexp", logSumExp},
      {"aten::max", maxOrMin<kAmax, kMaximum, kArgmax>},
      {"aten::mean", meanOrSum<kMean>},
      {"aten::min", maxOrMin<kAmin, kMinimum, kArgmin>},
      {"aten::norm", norm},
      {"aten::sort", sort<false>},
      {"aten::std", varOrStd<true>},
      {"aten::sum", meanOrSum<kSum>},
      {"aten::topk", topk},
      {"aten::var", varOrStd<false>},
  };
}

}  // namespace kiln::frontend
