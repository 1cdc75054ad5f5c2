// Lowerings of window and axis reductions: max/avg pooling with PyTorch's padding, dilation, ceil_mode and
// count_include_pad rules, adaptive average and max pooling, mean, sum, amax and amin over dimensions, and
// argmax, argmin and topk along one.
// Each result is a Reduction stage: a Func whose update walks an RDom over the window or the reduced axes.
#include <algorithm>
#include <functional>

#include "codegen/lowerings/lowering_helpers.h"

namespace kiln::codegen {
namespace {

using Halide::Expr;
using Halide::RDom;

struct Window {
  int kh, kw, sy, sx, py, px, dy, dx;
};

Window windowOf(const ir::Attributes& attrs, bool has_dilation) {
  const auto &k = attrs.getInts("kernel_size"), &s = attrs.getInts("stride"), &p = attrs.getInts("padding");
  std::vector<int64_t> d = has_dilation ? attrs.getInts("dilation") : std::vector<int64_t>{1, 1};
  auto i = [](int64_t v) { return static_cast<int>(v); };
  return {i(k[0]), i(k[1]), i(s[0]), i(s[1]), i(p[0]), i(p[1]), i(d[0]), i(d[1])};
}

LoweredOp maxPool2d(const LoweringInput& in) {
  const TensorFunc& x = in.inputs[0];
  const Window w = windowOf(in.op.attrs, true);
  RDom r(0, w.kw, 0, w.kh, in.output_names[0] + "_r");
  TensorFunc out = defineOutput(in, [](const auto&) { return Halide::Float(32).min(); });
  const auto i = out.logicalVars();
  Expr y = i[2] * w.sy + r.y * w.dy - w.py, xx = i[3] * w.sx + r.x * w.dx - w.px;
  out.ref(exprs(i)) = Halide::max(out.at(exprs(i)), paddedAt(x, i[0], i[1], y, xx, Halide::Float(32).min()));
  return LoweredOp{{out}, {Stage{out, StageKind::Reduction, r}}};
}

// PyTorch's divisor: the window clipped to the padded input, or to the input itself without
// count_include_pad.
Expr avgPoolDivisor(const Window& w, Expr oy, Expr ox, int height, int width, bool count_include_pad) {
  Expr y0 = oy * w.sy - w.py, x0 = ox * w.sx - w.px;
  Expr y1 = Halide::min(y0 + w.kh, height + w.py), x1 = Halide::min(x0 + w.kw, width + w.px);
  if (count_include_pad) return Halide::cast<float>((y1 - y0) * (x1 - x0));
  Expr rows = Halide::min(y1, height) - Halide::max(y0, 0),
       cols = Halide::min(x1, width) - Halide::max(x0, 0);
  return Halide::cast<float>(rows * cols);
}

LoweredOp avgPool2d(const LoweringInput& in) {
  const TensorFunc& x = in.inputs[0];
  const Window w = windowOf(in.op.attrs, false);
  const std::string name = in.output_names[0];
  RDom r(0, w.kw, 0, w.kh, name + "_r");
  TensorFunc sum = defineTensor(name + "_sum", in.output_types[0].shape, in.output_layouts[0],
                                [](const auto&) { return f32(0); });
  const auto s = sum.logicalVars();
  Expr y = s[2] * w.sy + r.y - w.py, xx = s[3] * w.sx + r.x - w.px;
  sum.ref(exprs(s)) += paddedAt(x, s[0], s[1], y, xx, f32(0));
  const int height = static_cast<int>(x.shape[2]), width = static_cast<int>(x.shape[3]);
  const bool include_pad = in.op.attrs.getBool("count_include_pad");
  TensorFunc out = defineOutput(in, [&](const auto& i) {
    return sum.at(exprs(i)) / avgPoolDivisor(w, i[2], i[3], height, width, include_pad);
  });
  return LoweredOp{{out}, {Stage{sum, StageKind::Reduction, r}}};
}

// Output cell i of n over an input of length len covers [floor(i*len/n), ceil((i+1)*len/n)).
int largestAdaptiveWindow(int len, int n) {
  int largest = 1;
  for (int i = 0; i < n; ++i) largest = std::max(largest, ((i + 1) * len + n - 1) / n - (i * len) / n);
  return largest;
}

// How a reduction kind starts, combines an element into its accumulator, and finishes.
struct Reducer {
  Expr init;
  std::function<Expr(Expr accumulated, Expr x)> combine;
  bool averages;  // divides the total by the number of elements combined
};

Reducer reducerOf(const std::string& kind) {
  if (kind == "amax" || kind == "adaptive_max_pool2d")
    return {Halide::Float(32).min(), [](Expr a, Expr x) { return Halide::max(a, x); }, false};
  if (kind == "amin")
    return {Halide::Float(32).max(), [](Expr a, Expr x) { return Halide::min(a, x); }, false};
  return {f32(0), [](Expr a, Expr x) { return a + x; }, kind == "mean" || kind == "adaptive_avg_pool2d"};
}

// Adaptive average or max pooling: each output cell combines its window, the largest window's RDom masked to
// the cell's own.
LoweredOp adaptivePool2d(const LoweringInput& in) {
  const TensorFunc& x = in.inputs[0];
  const Reducer reducer = reducerOf(in.op.kind);
  const int height = static_cast<int>(x.shape[2]), width = static_cast<int>(x.shape[3]);
  const auto& out_shape = in.output_types[0].shape;
  const int oh = static_cast<int>(out_shape[2]), ow = static_cast<int>(out_shape[3]);
  const std::string name = in.output_names[0];
  RDom r(0, largestAdaptiveWindow(width, ow), 0, largestAdaptiveWindow(height, oh), name + "_r");
  TensorFunc total = defineTensor(name + "_total", out_shape, in.output_layouts[0],
                                  [&](const auto&) { return reducer.init; });
  const auto s = total.logicalVars();
  auto start = [](Expr i, int len, int n) { return (i * len) / n; };
  auto end = [](Expr i, int len, int n) { return ((i + 1) * len + n - 1) / n; };
  Expr y = start(s[2], height, oh) + r.y, xx = start(s[3], width, ow) + r.x;
  Expr inside = y < end(s[2], height, oh) && xx < end(s[3], width, ow);
  Expr pixel = x.at({s[0], s[1], Halide::min(y, height - 1), Halide::min(xx, width - 1)});
  total.ref(exprs(s)) = reducer.combine(total.at(exprs(s)), Halide::select(inside, pixel, reducer.init));
  TensorFunc out = defineOutput(in, [&](const auto& i) {
    if (!reducer.averages) return total.at(exprs(i));
    Expr count =
        (end(i[2], height, oh) - start(i[2], height, oh)) * (end(i[3], width, ow) - start(i[3], width, ow));
    return total.at(exprs(i)) / Halide::cast<float>(count);
  });
  return LoweredOp{{out}, {Stage{total, StageKind::Reduction, r}}};
}

// mean, sum, amax, amin over the listed dimensions.
LoweredOp reduce(const LoweringInput& in) {
  const TensorFunc& x = in.inputs[0];
  const Reducer reducer = reducerOf(in.op.kind);
  const int rank = x.rank();
  std::vector<bool> reduced(rank, false);
  for (int64_t d : in.op.attrs.getInts("dims")) reduced[(d + rank) % rank] = true;
  const bool keepdim = in.op.attrs.getBool("keepdim");
  Halide::Region ranges;
  int64_t count = 1;
  for (int d = 0; d < rank; ++d)
    if (reduced[d]) {
      ranges.emplace_back(0, static_cast<int>(x.shape[d]));
      count *= x.shape[d];
    }
  const std::string name = in.output_names[0];
  RDom r(ranges, name + "_r");
  TensorFunc total = defineTensor(name + "_total", in.output_types[0].shape, in.output_layouts[0],
                                  [&](const auto&) { return reducer.init; });
  const auto s = total.logicalVars();
  std::vector<Expr> x_index;
  for (int d = 0, next_r = 0, next_out = 0; d < rank; ++d) {
    if (reduced[d]) {
      x_index.push_back(r[next_r++]);
      if (keepdim) ++next_out;
    } else {
      x_index.push_back(s[next_out++]);
    }
  }
  total.ref(exprs(s)) = reducer.combine(total.at(exprs(s)), x.at(x_index));
  TensorFunc out = defineOutput(in, [&](const auto& i) {
    return reducer.averages ? total.at(exprs(i)) / f32(static_cast<double>(count)) : total.at(exprs(i));
  });
  return LoweredOp{{out}, {Stage{total, StageKind::Reduction, r}}};
}

// argmax, argmin along one dimension: the extreme, then the smallest index holding it (PyTorch's rule for
// ties), each a reduction stage over the dimension. The index starts at n - 1, so it is in range even when no
// element equals the extreme (NaN).
LoweredOp argReduce(const LoweringInput& in) {
  const TensorFunc& x = in.inputs[0];
  const int rank = x.rank();
  const int dim = static_cast<int>((in.op.attrs.getInt("dim") + rank) % rank);
  const bool keepdim = in.op.attrs.getBool("keepdim");
  const int n = static_cast<int>(x.shape[dim]);
  const std::string name = in.output_names[0];
  const auto& out_shape = in.output_types[0].shape;
  // x's index at output position `s` with `k` along the reduced dimension.
  auto xAt = [&](const std::vector<Halide::Var>& s, Expr k) {
    std::vector<Expr> index(s.begin(), s.end());
    if (keepdim)
      index[dim] = k;
    else
      index.insert(index.begin() + dim, k);
    return x.at(index);
  };
  RDom over_extreme(0, n, name + "_r"), over_index(0, n, name + "_ri");
  TensorFunc extreme = defineTensor(name + "_extreme", out_shape, in.output_layouts[0],
                                    [&](const auto& s) { return xAt(s, 0); });
  const auto s = extreme.logicalVars();
  const Expr candidate = xAt(s, over_extreme.x);
  extreme.ref(exprs(s)) = in.op.kind == "argmax" ? Halide::max(extreme.at(exprs(s)), candidate)
                                                 : Halide::min(extreme.at(exprs(s)), candidate);
  TensorFunc first = defineTensor(name + "_first", out_shape, in.output_layouts[0],
                                  [&](const auto&) { return Halide::cast<int64_t>(n - 1); });
  const auto f = first.logicalVars();
  first.ref(exprs(f)) = Halide::min(
      first.at(exprs(f)), Halide::select(xAt(f, over_index.x) == extreme.at(exprs(f)),
                                         Halide::cast<int64_t>(over_index.x), Halide::cast<int64_t>(n - 1)));
  TensorFunc out = defineOutput(in, [&](const auto& i) { return first.at(exprs(i)); });
  return LoweredOp{
      {out},
      {Stage{extreme, StageKind::Reduction, over_extreme}, Stage{first, StageKind::Reduction, over_index}}};
}

// `index` with position `dim` replaced by k.
std::vector<Expr> along(const std::vector<Halide::Var>& index, int dim, Expr k) {
  std::vector<Expr> result(index.begin(), index.end());
  result[dim] = std::move(k);
  return result;
}

// topk without a sort: each element's rank along the dimension (how many elements come before it: larger
// ones, or smaller with largest=false, and equal ones at lower indices), then output j is the element whose
// rank is j, found by a masked sum over the dimension (ranks are a permutation, so exactly one term is
// nonzero). Three reduction stages, O(n^2) per row: meant for the short rows top-k reads (a classifier's
// scores, a beam).
LoweredOp topk(const LoweringInput& in) {
  const TensorFunc& x = in.inputs[0];
  const int dim = static_cast<int>((in.op.attrs.getInt("dim") + x.rank()) % x.rank());
  const bool largest = in.op.attrs.getBool("largest");
  const int n = static_cast<int>(x.shape[dim]);
  const std::string name = in.output_names[0];
  RDom over_rank(0, n, name + "_rr");
  TensorFunc rank =
      defineTensor(name + "_rank", x.shape, activationLayout(x.rank()), [](const auto&) { return Expr(0); });
  const auto i = rank.logicalVars();
  const Expr self = x.at(exprs(i)), other = x.at(along(i, dim, over_rank.x));
  const Expr before = (largest ? other > self : other < self) || (other == self && over_rank.x < i[dim]);
  rank.ref(exprs(i)) = rank.at(exprs(i)) + Halide::select(before, 1, 0);
  LoweredOp lowered;
  lowered.stages.push_back(Stage{rank, StageKind::Reduction, over_rank});
  // Output `output` at position o: the sum over k of term(o, k) where element k has rank o[dim].
  const auto picked = [&](int output, Expr zero,
                          const std::function<Expr(const std::vector<Expr>&, Expr)>& term) {
    RDom r(0, n, in.output_names[output] + "_r");
    TensorFunc sum = defineTensor(in.output_names[output] + "_sum", in.output_types[output].shape,
                                  in.output_layouts[output], [&](const auto&) { return zero; });
    const auto o = sum.logicalVars();
    const std::vector<Expr> source = along(o, dim, r.x);
    sum.ref(exprs(o)) = sum.at(exprs(o)) + Halide::select(rank.at(source) == o[dim], term(source, r.x), zero);
    lowered.stages.push_back(Stage{sum, StageKind::Reduction, r});
    lowered.outputs.push_back(defineOutput(
        in, [&](const auto& j) { return sum.at(exprs(j)); }, output));
  };
  picked(0, f32(0), [&](const std::vector<Expr>& source, Expr) { return x.at(source); });
  picked(1, Halide::cast<int64_t>(0),
         [](const std::vector<Expr>&, Expr k) { return Halide::cast<int64_t>(k); });
  return lowered;
}

}  // namespace

LoweringTable poolingLowerings() {
  return {{"max_pool2d", maxPool2d},
          {"avg_pool2d", avgPool2d},
          {"adaptive_avg_pool2d", adaptivePool2d},
          {"adaptive_max_pool2d", adaptivePool2d},
          {"mean", reduce},
          {"sum", reduce},
          {"amax", reduce},
          {"amin", reduce},
          {"argmax", argReduce},
          {"argmin", argReduce},
          {"topk", topk}};
}

}  // namespace kiln::codegen
