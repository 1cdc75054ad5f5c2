#include "codegen/lowerings/lowering_helpers.h"

namespace kiln::codegen {

TensorFunc defineOutput(const LoweringInput& in, const LogicalBody& body, int output) {
  return defineTensor(in.output_names[output], in.output_types[output].shape, in.output_layouts[output],
                      body);
}

Halide::Expr broadcastAt(const TensorFunc& tensor, const std::vector<Halide::Var>& index) {
  const int offset = static_cast<int>(index.size()) - tensor.rank();
  std::vector<Halide::Expr> at;
  for (int d = 0; d < tensor.rank(); ++d)
    at.push_back(tensor.shape[d] == 1 ? Halide::Expr(0) : Halide::Expr(index[offset + d]));
  return tensor.at(at);
}

Halide::Expr paddedAt(const TensorFunc& tensor, Halide::Expr n, Halide::Expr c, Halide::Expr y,
                      Halide::Expr x, Halide::Expr fill) {
  const int h = static_cast<int>(tensor.shape[2]), w = static_cast<int>(tensor.shape[3]);
  Halide::Expr inside = y >= 0 && y < h && x >= 0 && x < w;
  Halide::Expr value = tensor.at({n, c, Halide::clamp(y, 0, h - 1), Halide::clamp(x, 0, w - 1)});
  return Halide::select(inside, Halide::likely(value), fill);
}

LoweredOp single(TensorFunc output) {
  return LoweredOp{{std::move(output)}, {}};
}

}  // namespace kiln::codegen
