// Lowerings of the normalizing kinds: inference batch norm (a per-channel affine map), layer norm (mean and
// variance over the trailing dimensions) and softmax (max, then sum of exponentials, along one dimension).
// The statistics are Reduction stages with the reduced dimensions kept at size 1.
#include "codegen/lowerings/lowering_helpers.h"

namespace kiln::codegen {
namespace {

using Halide::Expr;
using Halide::RDom;

LoweredOp batchNorm(const LoweringInput& in) {
  const double eps = in.op.attrs.getFloat("eps");
  return single(defineOutput(in, [&](const auto& i) {
    Expr c = i[1];
    Expr scale = in.inputs[1].at({c}) / Halide::sqrt(in.inputs[4].at({c}) + f32(eps));
    return (in.inputs[0].at(exprs(i)) - in.inputs[3].at({c})) * scale + in.inputs[2].at({c});
  }));
}

// The shape of `shape` with the dimensions from `first` on reduced to size 1.
ir::Shape keptShape(ir::Shape shape, int first, int last) {
  for (int d = first; d < last; ++d) shape[d] = 1;
  return shape;
}

// A Func over the kept shape holding the sum over dims [first, last) of `term(index into x)`.
Stage sumOver(const std::string& name, const TensorFunc& x, int first, int last,
              const std::function<Expr(const std::vector<Expr>&)>& term) {
  Halide::Region ranges;
  for (int d = first; d < last; ++d) ranges.emplace_back(0, static_cast<int>(x.shape[d]));
  RDom r(ranges, name + "_r");
  ir::Shape shape = keptShape(x.shape, first, last);
  TensorFunc sum = defineTensor(name, shape, activationLayout(x.rank()), [](const auto&) { return f32(0); });
  const auto s = sum.logicalVars();
  std::vector<Expr> x_index = exprs(s);
  for (int d = first; d < last; ++d) x_index[d] = r[d - first];
  sum.ref(exprs(s)) += term(x_index);
  return Stage{sum, StageKind::Reduction, r};
}

// Index `i` with dims [first, last) set to 0: where the kept-shape statistics of element i live.
std::vector<Expr> statIndex(const std::vector<Halide::Var>& i, int first, int last) {
  std::vector<Expr> index = exprs(i);
  for (int d = first; d < last; ++d) index[d] = 0;
  return index;
}

LoweredOp layerNorm(const LoweringInput& in) {
  const TensorFunc& x = in.inputs[0];
  const int rank = x.rank();
  const int first = rank - static_cast<int>(in.op.attrs.getInts("normalized_shape").size());
  int64_t count = 1;
  for (int d = first; d < rank; ++d) count *= x.shape[d];
  const std::string name = in.output_names[0];
  const Expr n = f32(static_cast<double>(count));
  Stage sum = sumOver(name + "_sum", x, first, rank, [&](const auto& xi) { return x.at(xi); });
  auto meanAt = [&](const std::vector<Expr>& xi) {
    std::vector<Expr> si = xi;
    for (int d = first; d < rank; ++d) si[d] = 0;
    return sum.tensor.at(si) / n;
  };
  Stage squares = sumOver(name + "_sq", x, first, rank, [&](const auto& xi) {
    Expr centered = x.at(xi) - meanAt(xi);
    return centered * centered;
  });
  const double eps = in.op.attrs.getFloat("eps");
  TensorFunc out = defineOutput(in, [&](const auto& i) {
    Expr normalized = (x.at(exprs(i)) - meanAt(exprs(i))) /
                      Halide::sqrt(squares.tensor.at(statIndex(i, first, rank)) / n + f32(eps));
    std::vector<Expr> param_index(i.begin() + first, i.end());
    if (in.inputs.size() > 1) normalized = normalized * in.inputs[1].at(param_index);
    if (in.inputs.size() > 2) normalized = normalized + in.inputs[2].at(param_index);
    return normalized;
  });
  return LoweredOp{{out}, {sum, squares}};
}

LoweredOp softmax(const LoweringInput& in) {
  const TensorFunc& x = in.inputs[0];
  const int rank = x.rank();
  const int dim = static_cast<int>((in.op.attrs.getInt("dim") + rank) % rank);
  const std::string name = in.output_names[0];
  RDom r(0, static_cast<int>(x.shape[dim]), name + "_max_r");
  TensorFunc max = defineTensor(name + "_max", keptShape(x.shape, dim, dim + 1), activationLayout(rank),
                                [](const auto&) { return Halide::Float(32).min(); });
  const auto m = max.logicalVars();
  std::vector<Expr> x_index = exprs(m);
  x_index[dim] = r.x;
  max.ref(exprs(m)) = Halide::max(max.at(exprs(m)), x.at(x_index));
  auto shifted = [&](const std::vector<Expr>& xi) {
    std::vector<Expr> mi = xi;
    mi[dim] = 0;
    return Halide::exp(x.at(xi) - max.at(mi));
  };
  Stage sum = sumOver(name + "_sum", x, dim, dim + 1, shifted);
  TensorFunc out = defineOutput(
      in, [&](const auto& i) { return shifted(exprs(i)) / sum.tensor.at(statIndex(i, dim, dim + 1)); });
  return LoweredOp{{out}, {Stage{max, StageKind::Reduction, r}, sum}};
}

}  // namespace

LoweringTable normalizationLowerings() {
  return {{"batch_norm", batchNorm}, {"layer_norm", layerNorm}, {"softmax", softmax}};
}

}  // namespace kiln::codegen
