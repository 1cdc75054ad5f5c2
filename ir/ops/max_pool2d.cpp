// max_pool2d: 2-D max pooling (NCHW) with PyTorch's padding, dilation and ceil_mode semantics.
#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef max_pool2d() {
  OpDef def{.kind = "max_pool2d",
            .description = "2-D max pooling (NCHW)",
            .attrs = {{"kernel_size", AttrType::Ints, std::nullopt},
                      {"stride", AttrType::Ints, std::nullopt},
                      {"padding", AttrType::Ints, std::vector<int64_t>{0, 0}},
                      {"dilation", AttrType::Ints, std::vector<int64_t>{1, 1}},
                      {"ceil_mode", AttrType::Bool, false}}};
  def.infer = [](const OpSignature& sig) {
    return pooledOutput(sig, pairAttr(sig, "dilation", "max_pool2d"), "max_pool2d");
  };
  def.mapping = always(MappingType::ManyToMany);
  def.row_window = [](const OpSignature& sig) {
    return slidingRows(sig.attrs.getInts("kernel_size")[0], sig.attrs.getInts("stride")[0],
                       sig.attrs.getInts("dilation")[0]);
  };
  def.flops = [](const OpSignature& sig, const std::vector<TensorType>& outs) {
    const auto& k = sig.attrs.getInts("kernel_size");
    return outs[0].numElements() * k[0] * k[1];  // one comparison per window element
  };
  return def;
}

}  // namespace kiln::ir::ops
