// conv2d: 2-D convolution, NCHW input, weight [out_channels, in_channels / groups, kh, kw], optional bias.
// Covers strided, padded, dilated, grouped and depthwise (groups == in_channels) convolutions.
#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef conv2d() {
  OpDef def{.kind = "conv2d",
            .description = "2-D convolution (NCHW), weight [Cout, Cin/groups, kh, kw], optional bias [Cout]",
            .min_inputs = 2,
            .max_inputs = 3,
            .attrs = {{"stride", AttrType::Ints, std::vector<int64_t>{1, 1}},
                      {"padding", AttrType::Ints, std::vector<int64_t>{0, 0}},
                      {"dilation", AttrType::Ints, std::vector<int64_t>{1, 1}},
                      {"groups", AttrType::Int, int64_t{1}}}};
  def.infer = [](const OpSignature& sig) {
    expectRank(sig, 0, 4, "conv2d", "input");
    expectRank(sig, 1, 4, "conv2d", "weight");
    const Shape& x = sig.input(0).shape;
    const Shape& w = sig.input(1).shape;
    auto stride = pairAttr(sig, "stride", "conv2d");
    auto padding = pairAttr(sig, "padding", "conv2d", /*allow_zero=*/true);
    auto dilation = pairAttr(sig, "dilation", "conv2d");
    int64_t groups = sig.attrs.getInt("groups");
    if (groups < 1 || x[1] % groups != 0 || w[0] % groups != 0)
      fail("conv2d: groups = {} must divide the {} input and {} output channels", groups, x[1], w[0]);
    if (w[1] != x[1] / groups)
      fail("conv2d: weight {} expects {} input channels per group, the input {} has {} in {} group(s)",
           toString(sig.input(1)), w[1], toString(sig.input(0)), x[1], groups);
    if (sig.numInputs() == 3 && sig.input(2).shape != Shape{w[0]})
      fail("conv2d: bias must be [{}], got {}", w[0], toString(sig.input(2)));
    int64_t h = windowOutputSize(x[2], w[2], stride[0], padding[0], dilation[0], false, "conv2d");
    int64_t wd = windowOutputSize(x[3], w[3], stride[1], padding[1], dilation[1], false, "conv2d");
    return std::vector<TensorType>{{sig.input(0).dtype, {x[0], w[0], h, wd}}};
  };
  def.mapping = always(MappingType::ManyToMany);
  def.row_window = [](const OpSignature& sig) {
    return slidingRows(sig.input(1).shape[2], sig.attrs.getInts("stride")[0],
                       sig.attrs.getInts("dilation")[0]);
  };
  def.flops = [](const OpSignature& sig, const std::vector<TensorType>& outs) {
    const Shape& w = sig.input(1).shape;
    int64_t macs_per_output = w[1] * w[2] * w[3];
    return outs[0].numElements() * (2 * macs_per_output + (sig.numInputs() == 3 ? 1 : 0));
  };
  return def;
}

}  // namespace kiln::ir::ops
