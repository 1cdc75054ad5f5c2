// Pooling: max/avg pooling (2-D and 1-D), adaptive pooling.
//
// Argument positions follow the aten schemas (native_functions.yaml); a variant kiln does not handle says so
// through LoweringContext::unsupported.

#include "frontend/aten/families.h"

namespace kiln::frontend {
namespace {

using Ctx = LoweringContext;
using ir::ValueId;

// 1-D pooling runs as 2-D over a height of 1: [.., C, L] -> [.., C, 1, L] and back. Unbatched 2-D input
// [C, H, W] runs as a batch of one.
struct Pooled {
  ValueId input;  // 4-D
  bool one_d = false, unbatched = false;

  // The op's result shape from the 4-D one.
  ir::Shape resultOf(ir::Shape out4d) const {
    if (one_d) out4d.erase(out4d.end() - 2);
    if (unbatched) out4d.erase(out4d.begin());
    return out4d;
  }
};

Pooled poolInput(Ctx& c, int spatial_dims) {
  Pooled p{c.tensor(0)};
  const int rank = c.type(0).rank();
  if (rank != spatial_dims + 1 && rank != spatial_dims + 2)
    c.unsupported(fmt::format("{}-D pooling of a rank-{} tensor", spatial_dims, rank));
  if (spatial_dims == 1) {
    p.input = unsqueezed(c, p.input, rank - 1);
    p.one_d = true;
  }
  if (c.typeOf(p.input).rank() == 3) {
    p.input = unsqueezed(c, p.input, 0);
    p.unbatched = true;
  }
  return p;
}

std::vector<Binding> poolResult(Ctx& c, const Pooled& p, ValueId out) {
  return one(reshapeTo(c, out, p.resultOf(c.typeOf(out).shape)));
}

// Window argument i of a pool over `dims` spatial dimensions, as the 2-D pair (height 1 first for 1-D):
// `lifted` for the added height, `if_empty` when the list is empty (a stride defaulting to the kernel).
std::vector<int64_t> windowArg(Ctx& c, int i, int dims, int64_t lifted,
                               const std::vector<int64_t>& if_empty = {}) {
  if (dims == 2) return pair(c, i, if_empty);
  std::vector<int64_t> v = c.toIntList(i);
  if (v.empty() && if_empty.size() == 2) v = {if_empty[1]};
  if (v.size() != 1) c.unsupported(fmt::format("argument {} must hold 1 value for a 1-D pool", i));
  return {lifted, v[0]};
}

// aten::max_pool1d / max_pool2d(self, kernel_size, stride, padding, dilation, ceil_mode)
template <int kDims>
std::vector<Binding> maxPool(Ctx& c) {
  const Pooled p = poolInput(c, kDims);
  const std::vector<int64_t> kernel = windowArg(c, 1, kDims, 1);
  return poolResult(c, p,
                    c.emit("max_pool2d", {p.input},
                           {{"kernel_size", kernel},
                            {"stride", windowArg(c, 2, kDims, 1, kernel)},
                            {"padding", windowArg(c, 3, kDims, 0)},
                            {"dilation", windowArg(c, 4, kDims, 1)},
                            {"ceil_mode", c.toBool(5)}}));
}

// aten::avg_pool1d / avg_pool2d(self, kernel_size, stride, padding, ceil_mode, count_include_pad[,
// divisor_override]). A divisor override d divides the window sum by d: the full-window average (count
// including padding) times kh kw / d, exact wherever windows do not overhang the padded input (no ceil_mode).
template <int kDims>
std::vector<Binding> avgPool(Ctx& c) {
  const Pooled p = poolInput(c, kDims);
  const std::vector<int64_t> kernel = windowArg(c, 1, kDims, 1);
  const bool overridden = c.numInputs() > 6 && !c.isNone(6);
  if (overridden && c.toBool(4)) c.unsupported("avg_pool2d with both divisor_override and ceil_mode");
  ValueId out = c.emit("avg_pool2d", {p.input},
                       {{"kernel_size", kernel},
                        {"stride", windowArg(c, 2, kDims, 1, kernel)},
                        {"padding", windowArg(c, 3, kDims, 0)},
                        {"ceil_mode", c.toBool(4)},
                        {"count_include_pad", overridden || c.toBool(5)}});
  if (overridden) {
    const double divisor = c.toDouble(6);
    if (divisor == 0) c.unsupported("divisor_override of 0");
    out = c.emit("mul", {out, scalarConstant(c, "pool_divisor_scale",
                                             double(kernel[0]) * double(kernel[1]) / divisor)});
  }
  return poolResult(c, p, out);
}

// Output size argument i of an adaptive pool; a None entry keeps that input dimension.
std::vector<int64_t> adaptiveSize(Ctx& c, int dims) {
  const ir::Shape shape = c.type(0).shape;
  std::vector<int64_t> size;
  const c10::IValue& v = c.constant(1);
  if (v.isIntList() || v.isInt()) {
    size = c.toIntList(1);
    if (size.size() == 1) size.resize(dims, size[0]);
  } else if (v.isList() && v.toListRef().size() == static_cast<size_t>(dims)) {  // poolInput checked the rank
    for (const c10::IValue& item : v.toListRef())
      size.push_back(item.isNone() ? shape[shape.size() - dims + size.size()] : item.toInt());
  } else if (!v.isList()) {
    c.unsupported("an adaptive pool's output_size is not a list of ints");
  }
  if (static_cast<int>(size.size()) != dims)
    c.unsupported(fmt::format("an adaptive pool's output_size must hold {} entries", dims));
  if (dims == 1) size.insert(size.begin(), 1);
  return size;
}

// aten::adaptive_{avg,max}_pool{1,2}d(self, output_size); max pooling's indices output must go unused.
template <int kDims, bool kMax>
std::vector<Binding> adaptivePool(Ctx& c) {
  const Pooled p = poolInput(c, kDims);
  ValueId out = c.emit(kMax ? "adaptive_max_pool2d" : "adaptive_avg_pool2d", {p.input},
                       {{"output_size", adaptiveSize(c, kDims)}});
  std::vector<Binding> result = poolResult(c, p, out);
  if (kMax) {
    if (c.outputUsed(1)) c.unsupported("the indices of adaptive max pooling (integer tensors at run time)");
    result.push_back(Binding{});
  }
  return result;
}

}  // namespace

LoweringTable poolingLowerings() {
  return {
      {"aten::adaptive_avg_pool1d", adaptivePool<1, false>},
      {"aten::adaptive_avg_pool2d", adaptivePool<2, false>},
      {"aten::adaptive_max_pool1d", adaptivePool<1, true>},
      {"aten::adaptive_max_pool2d", adaptivePool<2, true>},
      {"aten::avg_pool1d", avgPool<1>},
      {"aten::avg_pool2d", avgPool<2>},
      {"aten::max_pool1d", maxPool<1>},
      {"aten::max_pool2d", maxPool<2>},
  };
}

}  // namespace kiln::frontend
