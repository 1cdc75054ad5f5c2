// resize: NCHW images scaled to `size` by nearest-neighbour or bilinear sampling, PyTorch's coordinate rules
// (upsample/interpolate; see codegen/lowerings/resize.cpp). `scales` holds the scale factors a model gave
// (0 where it gave a size instead), which PyTorch uses for the sampling positions.
#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef resize() {
  OpDef def{.kind = "resize",
            .description = "nearest or bilinear resampling of NCHW images to size",
            .attrs = {{"size", AttrType::Ints, std::nullopt},
                      {"mode", AttrType::String, std::string("nearest")},
                      {"align_corners", AttrType::Bool, false},
                      {"scales", AttrType::Floats, std::vector<double>{0.0, 0.0}}}};
  def.infer = [](const OpSignature& sig) {
    expectRank(sig, 0, 4, "resize", "input");
    const std::vector<int64_t> size = pairAttr(sig, "size", "resize");
    const std::string& mode = sig.attrs.getString("mode");
    if (mode != "nearest" && mode != "bilinear")
      fail("resize: mode must be \"nearest\" or \"bilinear\", got \"{}\"", mode);
    if (sig.attrs.getFloats("scales").size() != 2) fail("resize: scales must hold 2 values");
    const Shape& x = sig.input(0).shape;
    return std::vector<TensorType>{{sig.input(0).dtype, {x[0], x[1], size[0], size[1]}}};
  };
  def.mapping = always(MappingType::OneToMany);
  def.flops = [](const OpSignature& sig, const std::vector<TensorType>& outs) -> int64_t {
    // Bilinear: two interpolations along x and one along y, a multiply-add and a subtraction each.
    return sig.attrs.getString("mode") == "bilinear" ? 6 * outs[0].numElements() : 0;
  };
  return def;
}

}  // namespace kiln::ir::ops
