// dropout: inference-mode dropout, an identity; removed by the identity-removal pass
#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef dropout() {
  OpDef def{.kind = "dropout",
            .description = "inference-mode dropout, an identity; removed by the identity-removal pass",
            .attrs = {{"p", AttrType::Float, 0.5}}};
  def.infer = sameAsInput;
  def.mapping = always(MappingType::OneToOne);
  def.flops = flopsPerOutputElement(0);
  def.fold = [](const std::vector<Tensor>& in, const Attributes&) { return in; };
  return def;
}

}  // namespace kiln::ir::ops
