// identity: returns its input; removed by the identity-removal pass
#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef identity() {
  OpDef def{.kind = "identity", .description = "returns its input; removed by the identity-removal pass"};
  def.infer = sameAsInput;
  def.mapping = always(MappingType::OneToOne);
  def.flops = flopsPerOutputElement(0);
  def.fold = [](const std::vector<Tensor>& in, const Attributes&) { return in; };
  return def;
}

}  // namespace kiln::ir::ops
