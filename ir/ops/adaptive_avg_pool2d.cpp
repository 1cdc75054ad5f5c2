// adaptive_avg_pool2d: average pooling to a fixed output size (NCHW), PyTorch's start/end window rule:
// window i of n over length L covers [floor(i * L / n), ceil((i + 1) * L / n)).
#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef adaptive_avg_pool2d() {
  OpDef def{.kind = "adaptive_avg_pool2d",
            .description = "average pooling to output_size (NCHW)",
            .attrs = {{"output_size", AttrType::Ints, std::nullopt}}};
  def.infer = [](const OpSignature& sig) {
    expectRank(sig, 0, 4, "adaptive_avg_pool2d", "input");
    auto size = pairAttr(sig, "output_size", "adaptive_avg_pool2d");
    const Shape& x = sig.input(0).shape;
    return std::vector<TensorType>{{sig.input(0).dtype, {x[0], x[1], size[0], size[1]}}};
  };
  def.mapping = always(MappingType::ManyToMany);
  def.flops = [](const OpSignature& sig, const std::vector<TensorType>& outs) {
    // Every input element is added once per window that covers it (once when windows do not overlap).
    return sig.input(0).numElements() + outs[0].numElements();
  };
  return def;
}

}  // namespace kiln::ir::ops
