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
  def.infer = [](const OpSignature& sig) {
    expectRank(sig, 0, 4, "avg_pool2d", "input");
    auto kernel = pairAttr(sig, "kernel_size", "avg_pool2d");
    auto stride = pairAttr(sig, "stride", "avg_pool2d");
    auto padding = pairAttr(sig, "padding", "avg_pool2d", /*allow_zero=*/true);
    bool ceil_mode = sig.attrs.getBool("ceil_mode");
    for (int i = 0; i < 2; ++i)
      if (padding[i] * 2 > kernel[i])
        fail("avg_pool2d: padding {} is more than half the kernel {}", padding[i], kernel[i]);
    const Shape& x = sig.input(0).shape;
    int64_t h = windowOutputSize(x[2], kernel[0], stride[0], padding[0], 1, ceil_mode, "avg_pool2d");
    int64_t w = windowOutputSize(x[3], kernel[1], stride[1], padding[1], 1, ceil_mode, "avg_pool2d");
    return std::vector<TensorType>{{sig.input(0).dtype, {x[0], x[1], h, w}}};
  };
  def.mapping = always(MappingType::ManyToMany);
  def.flops = [](const OpSignature& sig, const std::vector<TensorType>& outs) {
    const auto& k = sig.attrs.getInts("kernel_size");
    return outs[0].numElements() * (k[0] * k[1] + 1);  // the window's adds and one division
  };
  return def;
}

}  // namespace kiln::ir::ops
