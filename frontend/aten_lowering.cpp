// Lowerings from aten operators (as they appear in frozen TorchScript graphs, traced or scripted) to kiln IR.
//
// Argument positions follow the aten schemas (native_functions.yaml). Where one aten op has variants kiln
// does not handle (transposed convolution, training-mode batch norm, rounding division) the lowering says so
// with UnsupportedVariant, and the importer reports it beside the unsupported op kinds.
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>

#include "frontend/aten_families.h"

namespace kiln::frontend {

namespace {

using Ctx = LoweringContext;
using ir::Attributes;
using ir::ValueId;

std::vector<Binding> one(ValueId id) {
  return {Binding::tensor(id)};
}

std::vector<int64_t> pair(const Ctx& c, int i, const std::vector<int64_t>& if_empty = {}) {
  std::vector<int64_t> v = c.toIntList(i);
  if (v.empty()) v = if_empty;
  if (v.size() == 1) v.push_back(v[0]);
  if (v.size() != 2) c.unsupported(fmt::format("argument {} must hold 1 or 2 values for a 2-D op", i));
  return v;
}

// ---- elementwise ----

template <const char* Kind>
std::vector<Binding> unary(Ctx& c) {
  return one(c.emit(Kind, {c.tensor(0)}));
}

constexpr char kRelu[] = "relu", kSigmoid[] = "sigmoid", kSilu[] = "silu", kTanh[] = "tanh",
               kHardswish[] = "hardswish", kHardsigmoid[] = "hardsigmoid", kAbs[] = "abs", kNeg[] = "neg",
               kExp[] = "exp", kLog[] = "log", kLog1p[] = "log1p", kSqrt[] = "sqrt", kRsqrt[] = "rsqrt",
               kReciprocal[] = "reciprocal", kErf[] = "erf", kSign[] = "sign", kFloor[] = "floor",
               kCeil[] = "ceil", kMish[] = "mish", kLogSigmoid[] = "log_sigmoid", kMaximum[] = "maximum",
               kMinimum[] = "minimum";

template <const char* Kind>
std::vector<Binding> binary(Ctx& c) {
  return one(c.emit(Kind, {c.tensor(0), c.tensor(1)}));
}

// aten::round(self) and round(self, decimals)
std::vector<Binding> round(Ctx& c) {
  if (c.numInputs() > 1 && c.toInt(1) != 0) c.unsupported("round with decimals");
  return one(c.emit("round", {c.tensor(0)}));
}

// aten::softplus(self, beta, threshold)
std::vector<Binding> softplus(Ctx& c) {
  return one(c.emit("softplus", {c.tensor(0)}, {{"beta", c.toDouble(1)}, {"threshold", c.toDouble(2)}}));
}

ValueId elu(Ctx& c, double alpha, double scale, double input_scale) {
  return c.emit("elu", {c.tensor(0)}, {{"alpha", alpha}, {"scale", scale}, {"input_scale", input_scale}});
}

// aten::elu(self, alpha, scale, input_scale)
std::vector<Binding> eluOp(Ctx& c) {
  return one(elu(c, c.toDouble(1), c.toDouble(2), c.toDouble(3)));
}

// aten::selu(self): elu with the constants of Klambauer et al. (PyTorch's).
std::vector<Binding> selu(Ctx& c) {
  return one(elu(c, 1.6732632423543772848170429916717, 1.0507009873554804934193349852946, 1.0));
}

// aten::celu(self, alpha) = max(0, x) + min(0, alpha (exp(x / alpha) - 1))
std::vector<Binding> celu(Ctx& c) {
  const double alpha = c.numInputs() > 1 ? c.toDouble(1) : 1.0;
  if (alpha == 0) c.unsupported("celu with alpha 0");
  return one(elu(c, alpha, 1.0, 1.0 / alpha));
}

// aten::leaky_relu(self, negative_slope)
std::vector<Binding> leakyRelu(Ctx& c) {
  return one(
      c.emit("leaky_relu", {c.tensor(0)}, {{"negative_slope", c.numInputs() > 1 ? c.toDouble(1) : 0.01}}));
}

// aten::pow(Tensor self, Scalar exponent); a tensor exponent is not supported yet.
std::vector<Binding> pow(Ctx& c) {
  if (!c.constant(1).isDouble() && !c.constant(1).isInt()) c.unsupported("pow with a tensor exponent");
  return one(c.emit("pow", {c.tensor(0)}, {{"exponent", c.toDouble(1)}}));
}

std::vector<Binding> square(Ctx& c) {
  return one(c.emit("pow", {c.tensor(0)}, {{"exponent", 2.0}}));
}

std::vector<Binding> gelu(Ctx& c) {
  std::string approximate = c.numInputs() > 1 ? c.toText(1) : "none";
  return one(c.emit("gelu", {c.tensor(0)}, {{"approximate", approximate}}));
}

std::vector<Binding> hardtanh(Ctx& c) {
  return one(c.emit("hardtanh", {c.tensor(0)}, {{"min_val", c.toDouble(1)}, {"max_val", c.toDouble(2)}}));
}

std::vector<Binding> relu6(Ctx& c) {
  return one(c.emit("hardtanh", {c.tensor(0)}, {{"min_val", 0.0}, {"max_val", 6.0}}));
}

// aten::clamp_min(self, min) and clamp_max(self, max), scalar bounds.
template <bool Min>
std::vector<Binding> clampOneSide(Ctx& c) {
  if (!c.constant(1).isDouble() && !c.constant(1).isInt()) c.unsupported("clamp with a tensor bound");
  constexpr double kInf = std::numeric_limits<double>::infinity();
  return one(c.emit("hardtanh", {c.tensor(0)},
                    {{"min_val", Min ? c.toDouble(1) : -kInf}, {"max_val", Min ? kInf : c.toDouble(1)}}));
}

std::vector<Binding> clamp(Ctx& c) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  if (c.numInputs() < 3 || (!c.isNone(1) && !c.constant(1).isScalar()) ||
      (!c.isNone(2) && !c.constant(2).isScalar()))
    c.unsupported("clamp with tensor bounds");
  double lo = c.isNone(1) ? -kInf : c.toDouble(1), hi = c.isNone(2) ? kInf : c.toDouble(2);
  return one(c.emit("hardtanh", {c.tensor(0)}, {{"min_val", lo}, {"max_val", hi}}));
}

// add/sub: self + alpha * other
template <const char* Kind>
std::vector<Binding> addSub(Ctx& c) {
  ValueId other = c.tensor(1);
  if (c.numInputs() > 2 && c.toDouble(2) != 1.0) other = c.emit("mul", {other, c.tensor(2)});
  return one(c.emit(Kind, {c.tensor(0), other}));
}
constexpr char kAdd[] = "add", kSub[] = "sub";

// aten::rsub(self, other, alpha) = other - alpha * self
std::vector<Binding> rsub(Ctx& c) {
  ValueId self = c.tensor(0);
  if (c.numInputs() > 2 && c.toDouble(2) != 1.0) self = c.emit("mul", {self, c.tensor(2)});
  return one(c.emit("sub", {c.tensor(1), self}));
}

std::vector<Binding> mul(Ctx& c) {
  return one(c.emit("mul", {c.tensor(0), c.tensor(1)}));
}

std::vector<Binding> div(Ctx& c) {
  if (c.numInputs() > 2 && !c.isNone(2)) c.unsupported("division with a rounding mode");
  return one(c.emit("div", {c.tensor(0), c.tensor(1)}));
}

// ---- convolution and normalization ----

std::vector<Binding> convolution(Ctx& c, int groups_index, std::vector<int64_t> padding) {
  if (c.type(1).rank() != 4)
    c.unsupported(fmt::format("{}-D convolution (kiln supports 2-D)", c.type(1).rank() - 2));
  std::vector<ValueId> inputs = {c.tensor(0), c.tensor(1)};
  if (!c.isNone(2)) inputs.push_back(c.tensor(2));
  Attributes attrs = {{"stride", pair(c, 3)},
                      {"padding", padding},
                      {"dilation", pair(c, 5)},
                      {"groups", c.toInt(groups_index)}};
  return one(c.emit("conv2d", inputs, attrs));
}

// aten::conv2d(input, weight, bias, stride, padding, dilation, groups); padding may be "valid" or "same".
std::vector<Binding> conv2d(Ctx& c) {
  if (!c.constant(4).isString()) return convolution(c, 6, pair(c, 4));
  std::string mode = c.toText(4);
  if (mode == "valid") return convolution(c, 6, {0, 0});
  std::vector<int64_t> dilation = pair(c, 5), padding;
  for (int d = 0; d < 2; ++d) {
    int64_t total = dilation[d] * (c.type(1).shape[2 + d] - 1);
    if (total % 2 != 0) c.unsupported("padding='same' that needs asymmetric padding");
    padding.push_back(total / 2);
  }
  return convolution(c, 6, padding);
}

// aten::_convolution(input, weight, bias, stride, padding, dilation, transposed, output_padding, groups, ...)
std::vector<Binding> underscoreConvolution(Ctx& c) {
  if (c.toBool(6)) c.unsupported("transposed convolution");
  return convolution(c, 8, pair(c, 4));
}

// aten::batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps, cudnn_enabled)
std::vector<Binding> batchNorm(Ctx& c) {
  if (c.toBool(5)) c.unsupported("training-mode batch norm (export the model in eval mode)");
  if (c.isNone(3) || c.isNone(4)) c.unsupported("batch norm without running statistics");
  int64_t channels = c.type(0).shape.at(1);
  auto paramOr = [&](int i, float fill, const char* name) {
    return c.isNone(i) ? c.addConstant(name, ir::Tensor::filled({channels}, fill)) : c.tensor(i);
  };
  std::vector<ValueId> inputs = {c.tensor(0), paramOr(1, 1.0f, "bn_weight"), paramOr(2, 0.0f, "bn_bias"),
                                 c.tensor(3), c.tensor(4)};
  return one(c.emit("batch_norm", inputs, {{"eps", c.toDouble(7)}}));
}

// aten::layer_norm(input, normalized_shape, weight, bias, eps, cudnn_enable)
std::vector<Binding> layerNorm(Ctx& c) {
  std::vector<ValueId> inputs = {c.tensor(0)};
  if (!c.isNone(2)) inputs.push_back(c.tensor(2));
  if (!c.isNone(3)) {
    if (c.isNone(2)) c.unsupported("layer norm with a bias but no weight");
    inputs.push_back(c.tensor(3));
  }
  return one(c.emit("layer_norm", inputs, {{"normalized_shape", c.toIntList(1)}, {"eps", c.toDouble(4)}}));
}

// ---- pooling ----

// aten::max_pool2d(self, kernel_size, stride, padding, dilation, ceil_mode)
std::vector<Binding> maxPool2d(Ctx& c) {
  std::vector<int64_t> kernel = pair(c, 1);
  return one(c.emit("max_pool2d", {c.tensor(0)},
                    {{"kernel_size", kernel},
                     {"stride", pair(c, 2, kernel)},
                     {"padding", pair(c, 3)},
                     {"dilation", pair(c, 4)},
                     {"ceil_mode", c.toBool(5)}}));
}

// aten::avg_pool2d(self, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)
std::vector<Binding> avgPool2d(Ctx& c) {
  if (c.numInputs() > 6 && !c.isNone(6)) c.unsupported("avg_pool2d with divisor_override");
  std::vector<int64_t> kernel = pair(c, 1);
  return one(c.emit("avg_pool2d", {c.tensor(0)},
                    {{"kernel_size", kernel},
                     {"stride", pair(c, 2, kernel)},
                     {"padding", pair(c, 3)},
                     {"ceil_mode", c.toBool(4)},
                     {"count_include_pad", c.toBool(5)}}));
}

// aten::adaptive_avg_pool2d(self, output_size); a None entry keeps that input dimension.
std::vector<Binding> adaptiveAvgPool2d(Ctx& c) {
  const ir::Shape& shape = c.type(0).shape;
  std::vector<int64_t> size;
  const c10::IValue& v = c.constant(1);
  if (v.isIntList() || v.isInt()) {
    size = pair(c, 1);
  } else if (v.isList()) {
    auto items = v.toListRef();
    if (items.size() != 2) c.unsupported("adaptive_avg_pool2d output_size must hold 2 entries");
    for (size_t d = 0; d < 2; ++d) size.push_back(items[d].isNone() ? shape.at(2 + d) : items[d].toInt());
  } else {
    c.unsupported("adaptive_avg_pool2d output_size is not a list of ints");
  }
  return one(c.emit("adaptive_avg_pool2d", {c.tensor(0)}, {{"output_size", size}}));
}

// ---- resize ----

// upsample_{nearest,bilinear}2d in their two spellings: (input, output_size?, [align_corners,]
// scale_factors?) (the .vec overload F.interpolate calls) and (self, output_size, [align_corners,] scales_h?,
// scales_w?). The output size is given, or floor(size * scale factor); given scale factors also set the
// sampling positions (PyTorch's rule).
std::vector<Binding> upsample(Ctx& c, const std::string& mode) {
  const int first_scale = mode == "bilinear" ? 3 : 2;
  const ir::Shape& in = c.type(0).shape;
  if (in.size() != 4) c.unsupported("upsampling of other than 4-D (NCHW) input");
  std::vector<double> scales{0.0, 0.0};
  if (c.numInputs() == first_scale + 1) {  // the .vec overload: one optional list of scale factors
    if (!c.isNone(first_scale)) {
      const c10::IValue& v = c.constant(first_scale);
      if (!v.isDoubleList() || v.toDoubleVector().size() != 2)
        c.unsupported("scale_factors must hold 2 floats");
      scales = v.toDoubleVector();
    }
  } else {
    for (int d = 0; d < 2; ++d) scales[d] = c.isNone(first_scale + d) ? 0.0 : c.toDouble(first_scale + d);
  }
  std::vector<int64_t> size;
  if (!c.isNone(1)) {
    size = pair(c, 1);
  } else {
    for (int d = 0; d < 2; ++d) {
      if (scales[d] <= 0) c.unsupported("upsampling without an output size or positive scale factors");
      size.push_back(static_cast<int64_t>(std::floor(static_cast<double>(in[2 + d]) * scales[d])));
    }
  }
  return one(c.emit("resize", {c.tensor(0)},
                    {{"size", size},
                     {"mode", mode},
                     {"align_corners", mode == "bilinear" && c.toBool(2)},
                     {"scales", scales}}));
}

std::vector<Binding> upsampleNearest2d(Ctx& c) {
  return upsample(c, "nearest");
}

std::vector<Binding> upsampleBilinear2d(Ctx& c) {
  return upsample(c, "bilinear");
}

// ---- shape and data movement ----

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

int normalizedDim(Ctx& c, int64_t dim, int rank) {
  if (dim < -rank || dim >= rank)
    c.unsupported(fmt::format("dimension {} out of range for rank {}", dim, rank));
  return static_cast<int>(dim < 0 ? dim + rank : dim);
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

// ---- linear algebra ----

std::vector<Binding> linear(Ctx& c) {
  std::vector<ValueId> inputs = {c.tensor(0), c.tensor(1)};
  if (c.numInputs() > 2 && !c.isNone(2)) inputs.push_back(c.tensor(2));
  return one(c.emit("linear", inputs));
}

std::vector<Binding> matmul(Ctx& c) {
  return one(c.emit("matmul", {c.tensor(0), c.tensor(1)}));
}

// aten::addmm(self, mat1, mat2, beta, alpha) = beta * self + alpha * mat1 @ mat2
std::vector<Binding> addmm(Ctx& c) {
  if (c.toDouble(3) != 1.0 || c.toDouble(4) != 1.0) c.unsupported("addmm with beta or alpha other than 1");
  const ir::TensorType& bias = c.type(0);
  if (c.isConstantTensor(2) && bias.rank() == 1 && c.type(2).rank() == 2 &&
      bias.shape[0] == c.type(2).shape[1]) {
    // A constant mat2 is a linear layer's transposed weight; constant folding transposes it back at compile
    // time.
    ValueId weight = c.emit("permute", {c.tensor(2)}, {{"dims", std::vector<int64_t>{1, 0}}});
    return one(c.emit("linear", {c.tensor(1), weight, c.tensor(0)}));
  }
  ValueId product = c.emit("matmul", {c.tensor(1), c.tensor(2)});
  return one(c.emit("add", {product, c.tensor(0)}));
}

// ---- reductions and normalizations ----

std::vector<Binding> softmax(Ctx& c) {
  if (c.numInputs() > 2 && !c.isNone(2)) c.unsupported("softmax with a dtype argument");
  return one(c.emit("softmax", {c.tensor(0)}, {{"dim", c.toInt(1)}}));
}

// aten::mean(self, dtype) or aten::mean(self, dim, keepdim, dtype)
std::vector<Binding> mean(Ctx& c) {
  int rank = c.type(0).rank();
  std::vector<int64_t> dims;
  bool keepdim = false;
  if (c.numInputs() >= 3) {
    if (!c.isNone(1)) dims = c.toIntList(1);
    keepdim = c.toBool(2);
  }
  if (dims.empty()) {
    dims.resize(rank);
    std::iota(dims.begin(), dims.end(), 0);
  }
  if (!c.isNone(c.numInputs() - 1)) c.unsupported("mean with a dtype argument");
  return one(c.emit("mean", {c.tensor(0)}, {{"dims", dims}, {"keepdim", keepdim}}));
}

// aten::dropout(input, p, train) and its feature/alpha variants
std::vector<Binding> dropout(Ctx& c) {
  if (c.toBool(2)) c.unsupported("training-mode dropout (export the model in eval mode)");
  return one(c.emit("dropout", {c.tensor(0)}, {{"p", c.toDouble(1)}}));
}

const std::map<std::string, Lowering>& lowerings() {
  static const std::map<std::string, Lowering> table = {
      {"aten::_convolution", underscoreConvolution},
      {"aten::abs", unary<kAbs>},
      {"aten::adaptive_avg_pool2d", adaptiveAvgPool2d},
      {"aten::add", addSub<kAdd>},
      {"aten::addmm", addmm},
      {"aten::alpha_dropout", dropout},
      {"aten::avg_pool2d", avgPool2d},
      {"aten::batch_norm", batchNorm},
      {"aten::bmm", matmul},
      {"aten::cat", cat},
      {"aten::ceil", unary<kCeil>},
      {"aten::celu", celu},
      {"aten::chunk", chunk},
      {"aten::clamp", clamp},
      {"aten::clamp_max", clampOneSide<false>},
      {"aten::clamp_min", clampOneSide<true>},
      {"aten::clone", passThrough},
      {"aten::contiguous", passThrough},
      {"aten::conv2d", conv2d},
      {"aten::detach", passThrough},
      {"aten::div", div},
      {"aten::dropout", dropout},
      {"aten::elu", eluOp},
      {"aten::erf", unary<kErf>},
      {"aten::exp", unary<kExp>},
      {"aten::expand", expand},
      {"aten::expand_as", expandAs},
      {"aten::feature_alpha_dropout", dropout},
      {"aten::feature_dropout", dropout},
      {"aten::flatten", flatten},
      {"aten::floor", unary<kFloor>},
      {"aten::gelu", gelu},
      {"aten::hardsigmoid", unary<kHardsigmoid>},
      {"aten::hardswish", unary<kHardswish>},
      {"aten::hardtanh", hardtanh},
      {"aten::layer_norm", layerNorm},
      {"aten::leaky_relu", leakyRelu},
      {"aten::linear", linear},
      {"aten::log", unary<kLog>},
      {"aten::log1p", unary<kLog1p>},
      {"aten::log_sigmoid", unary<kLogSigmoid>},
      {"aten::matmul", matmul},
      {"aten::max_pool2d", maxPool2d},
      {"aten::maximum", binary<kMaximum>},
      {"aten::mean", mean},
      {"aten::minimum", binary<kMinimum>},
      {"aten::mish", unary<kMish>},
      {"aten::mm", matmul},
      {"aten::mul", mul},
      {"aten::narrow", narrow},
      {"aten::neg", unary<kNeg>},
      {"aten::permute", permute},
      {"aten::pow", pow},
      {"aten::reciprocal", unary<kReciprocal>},
      {"aten::relu", unary<kRelu>},
      {"aten::relu6", relu6},
      {"aten::reshape", reshape},
      {"aten::round", round},
      {"aten::rsqrt", unary<kRsqrt>},
      {"aten::rsub", rsub},
      {"aten::select", select},
      {"aten::selu", selu},
      {"aten::sigmoid", unary<kSigmoid>},
      {"aten::sign", unary<kSign>},
      {"aten::silu", unary<kSilu>},
      {"aten::slice", slice},
      {"aten::softmax", softmax},
      {"aten::softplus", softplus},
      {"aten::split", split},
      {"aten::split_with_sizes", splitWithSizes},
      {"aten::sqrt", unary<kSqrt>},
      {"aten::square", square},
      {"aten::squeeze", squeeze},
      {"aten::sub", addSub<kSub>},
      {"aten::t", t},
      {"aten::tanh", unary<kTanh>},
      {"aten::transpose", transpose},
      {"aten::unsqueeze", unsqueeze},
      {"aten::upsample_bilinear2d", upsampleBilinear2d},
      {"aten::upsample_nearest2d", upsampleNearest2d},
      {"aten::view", reshape},
  };
  return table;
}

}  // namespace

Lowering findLowering(const std::string& op_name) {
  static const LoweringTable families = attentionLowerings();
  for (const LoweringTable* table : {&lowerings(), &families}) {
    auto it = table->find(op_name);
    if (it != table->end()) return it->second;
  }
  return nullptr;
}

}  // namespace kiln::frontend
