// softmax: exp(x - max) / sum(exp(x - max)) along `dim`.
#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef softmax() {
  OpDef def{
      .kind = "softmax", .description = "softmax along dim", .attrs = {{"dim", AttrType::Int, std::nullopt}}};
  def.infer = [](const OpSignature& sig) {
    normalizeDim(sig.attrs.getInt("dim"), sig.input(0).rank(), "softmax");
    return sameAsInput(sig);
  };
  def.mapping = always(MappingType::ManyToMany);
  def.flops = flopsPerOutputElement(5);  // max, subtract, exp, sum, divide
  return def;
}

}  // namespace kiln::ir::ops
