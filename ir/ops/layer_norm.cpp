// layer_norm: normalizes over the trailing `normalized_shape` dimensions, then applies the optional
// elementwise weight and bias (each of shape normalized_shape).
#include <algorithm>

#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef layer_norm() {
  OpDef def{.kind = "layer_norm",
            .description = "normalize over the trailing normalized_shape dims; optional weight, bias",
            .min_inputs = 1,
            .max_inputs = 3,
            .attrs = {{"normalized_shape", AttrType::Ints, std::nullopt}, {"eps", AttrType::Float, 1e-5}}};
  def.infer = [](const OpSignature& sig) {
    const TensorType& x = sig.input(0);
    const auto& norm = sig.attrs.getInts("normalized_shape");
    bool ok = !norm.empty() && norm.size() <= x.shape.size() &&
              std::equal(norm.begin(), norm.end(), x.shape.end() - norm.size());
    if (!ok) fail("layer_norm: normalized_shape {} is not a suffix of {}", attrToString(norm), toString(x));
    for (int i = 1; i < sig.numInputs(); ++i)
      if (sig.input(i).shape != Shape(norm.begin(), norm.end()))
        fail("layer_norm: {} must be {}, got {}", i == 1 ? "weight" : "bias", attrToString(norm),
             toString(sig.input(i)));
    return std::vector<TensorType>{x};
  };
  def.mapping = always(MappingType::ManyToMany);
  def.flops = flopsPerOutputElement(8);  // mean, variance (3), normalize (2), scale and shift (2)
  return def;
}

}  // namespace kiln::ir::ops
