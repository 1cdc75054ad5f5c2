// linear: y = x W^T + b, x [..., K], weight [N, K], optional bias [N] (addmm with a constant weight maps
// here).
#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef linear() {
  OpDef def{.kind = "linear",
            .description = "x [..., K] times weight [N, K] transposed, plus optional bias [N]",
            .min_inputs = 2,
            .max_inputs = 3};
  def.infer = [](const OpSignature& sig) {
    const TensorType& x = sig.input(0);
    expectRank(sig, 1, 2, "linear", "weight");
    const Shape& w = sig.input(1).shape;
    if (x.rank() < 1 || x.shape.back() != w[1])
      fail("linear: input {} does not match weight {} (last dimension must be {})", toString(x),
           toString(sig.input(1)), w[1]);
    if (sig.numInputs() == 3 && sig.input(2).shape != Shape{w[0]})
      fail("linear: bias must be [{}], got {}", w[0], toString(sig.input(2)));
    Shape out = x.shape;
    out.back() = w[0];
    return std::vector<TensorType>{{x.dtype, out}};
  };
  def.mapping = always(MappingType::ManyToMany);
  def.flops = [](const OpSignature& sig, const std::vector<TensorType>& outs) {
    int64_t k = sig.input(1).shape[1];
    return outs[0].numElements() * (2 * k + (sig.numInputs() == 3 ? 1 : 0));
  };
  return def;
}

}  // namespace kiln::ir::ops
