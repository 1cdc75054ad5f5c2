// cat: concatenation along `dim` of tensors that agree in every other dimension.
#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef cat() {
  OpDef def{.kind = "cat",
            .description = "concatenate along dim",
            .min_inputs = 1,
            .max_inputs = kVariadic,
            .attrs = {{"dim", AttrType::Int, int64_t{0}}},
            .dtypes = kAnyDType};
  def.infer = [](const OpSignature& sig) {
    TensorType out = sig.input(0);
    int dim = indexDim(sig.attrs.getInt("dim"), out.rank(), "cat");
    for (int i = 1; i < sig.numInputs(); ++i) {
      const TensorType& t = sig.input(i);
      bool compatible = t.rank() == out.rank() && t.dtype == out.dtype;
      for (int d = 0; compatible && d < out.rank(); ++d) compatible = d == dim || t.shape[d] == out.shape[d];
      if (!compatible)
        fail("cat: input {} is {}, which does not match {} outside dimension {}", i, toString(t),
             toString(sig.input(0)), dim);
      out.shape[dim] += t.shape[dim];
    }
    return std::vector<TensorType>{out};
  };
  def.mapping = always(MappingType::OneToOne);
  def.flops = flopsPerOutputElement(0);
  return def;
}

}  // namespace kiln::ir::ops
