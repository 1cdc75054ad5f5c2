// where: condition ? a : b elementwise, with the three inputs broadcast together (masked_fill is spelled
// with it).
#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

namespace {
Shape checkedShape(const OpSignature& sig) {
  if (sig.input(0).dtype != DType::Bool)
    fail("where: the condition is {}; it must be bool", toString(sig.input(0)));
  for (int i : {1, 2})
    if (sig.input(i).dtype != DType::Float32)
      fail("where: input {} is {}; the values must be f32", i, toString(sig.input(i)));
  return broadcastShapes(broadcastShapes(sig.input(0).shape, sig.input(1).shape, "where"), sig.input(2).shape,
                         "where");
}
}  // namespace

OpDef where() {
  OpDef def{.kind = "where",
            .description = "condition ? a : b (condition bool, broadcast)",
            .min_inputs = 3,
            .max_inputs = 3,
            .dtypes = {DType::Bool, DType::Float32}};
  def.infer = [](const OpSignature& sig) {
    return std::vector<TensorType>{{DType::Float32, checkedShape(sig)}};
  };
  def.mapping = [](const OpSignature& sig) { return broadcastMapping(sig, checkedShape(sig)); };
  def.flops = flopsPerOutputElement(1);
  return def;
}

}  // namespace kiln::ir::ops
