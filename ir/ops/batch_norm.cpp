// batch_norm: inference-mode batch normalization over dimension 1:
//   y = (x - running_mean) / sqrt(running_var + eps) * weight + bias
// Inputs: x, weight, bias, running_mean, running_var (each [C]). Usually folded into the preceding conv.
#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef batch_norm() {
  OpDef def{
      .kind = "batch_norm",
      .description = "inference batch norm over dim 1; inputs x, weight, bias, running_mean, running_var",
      .min_inputs = 5,
      .max_inputs = 5,
      .attrs = {{"eps", AttrType::Float, 1e-5}}};
  def.infer = [](const OpSignature& sig) {
    const TensorType& x = sig.input(0);
    if (x.rank() < 2) fail("batch_norm: input must have rank 2 or more, got {}", toString(x));
    static const char* kRoles[] = {"", "weight", "bias", "running_mean", "running_var"};
    for (int i = 1; i < 5; ++i)
      if (sig.input(i).shape != Shape{x.shape[1]})
        fail("batch_norm: {} must be [{}] (the input's channels), got {}", kRoles[i], x.shape[1],
             toString(sig.input(i)));
    return std::vector<TensorType>{x};
  };
  def.mapping = always(MappingType::OneToOne);
  def.flops = flopsPerOutputElement(2);  // one scale and one shift per element, with precomputed factors
  return def;
}

}  // namespace kiln::ir::ops
