// avg_pool2d: 2-D average pooling (NCHW) with PyTorch's ceil_mode and count_include_pad semantics.
#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef avg_pool2d() {
  OpDef def{.kind = "avg_pool2d",
            .description = "2-D average pooling (NCHW)",
            .attrs = {{"kernel_size", AttrType::Ints, std::nullopt},
                      {"stride", AttrType::Ints, std::nullopt},
                      {"padding", AttrType::Ints, std::vector<int64_t>{0, 0}},
                      {"ceil_mode", AttrType::Bool, false},
                      {"count_include_pad", AttrType::Bool, true}}};
  def.infer = [](const OpSignature& sig) { return pooledOutput(sig, {1, 1}, "avg_pool2d"); };
  def.mapping = always(MappingType::ManyToMany);
  def.row_window = [](const OpSignature& sig) {
    return slidingRows(sig.attrs.getInts("kernel_size")[0], sig.attrs.getInts("stride")[0], 1);
  };
  def.flops = [](const OpSignature& sig, const std::vector<TensorType>& outs) {
    const auto& k = sig.attrs.getInts("kernel_size");
    return outs[0].numElements() * (k[0] * k[1] + 1);  // the window's adds and one division
  };
  return def;
}

}  // namespace kiln::ir::ops
