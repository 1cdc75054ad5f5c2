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
    expectRank(sig, 0, 4, "max_pool2d", "input");
    auto kernel = pairAttr(sig, "kernel_size", "max_pool2d");
    auto stride = pairAttr(sig, "stride", "max_pool2d");
    auto padding = pairAttr(sig, "padding", "max_pool2d", /*allow_zero=*/true);
    auto dilation = pairAttr(sig, "dilation", "max_pool2d");
    bool ceil_mode = sig.attrs.getBool("ceil_mode");
    for (int i = 0; i < 2; ++i)
      if (padding[i] * 2 > kernel[i])
        fail("max_pool2d: padding {} is more than half the kernel {}", padding[i], kernel[i]);
    const Shape& x = sig.input(0).shape;
    int64_t h =
        windowOutputSize(x[2], kernel[0], stride[0], padding[0], dilation[0], ceil_mode, "max_pool2d");
    int64_t w =
        windowOutputSize(x[3], kernel[1], stride[1], padding[1], dilation[1], ceil_mode, "max_pool2d");
    return std::vector<TensorType>{{sig.input(0).dtype, {x[0], x[1], h, w}}};
  };
  def.mapping = always(MappingType::ManyToMany);
  def.flops = [](const OpSignature& sig, const std::vector<TensorType>& outs) {
    const auto& k = sig.attrs.getInts("kernel_size");
    return outs[0].numElements() * k[0] * k[1];  // one comparison per window element
  };
  return def;
}

}  // namespace kiln::ir::ops
