// expand: repeats a tensor's size-1 dimensions (and adds leading ones) to reach `shape`, as broadcasting does
// (Tensor.expand, expand_as and broadcast_to are spelled with it; the importer resolves their -1 entries).
#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

namespace {
// Input dimensions are matched to the last ones of `shape`; each must be 1 or equal.
Shape checkedShape(const Shape& in, const Shape& shape) {
  const size_t lead = shape.size() - std::min(shape.size(), in.size());
  bool fits = shape.size() >= in.size();
  for (size_t d = 0; fits && d < in.size(); ++d) fits = in[d] == 1 || in[d] == shape[lead + d];
  for (int64_t extent : shape) fits = fits && extent >= 1;
  if (!fits) fail("expand: cannot expand [{}] to [{}]", shapeToString(in), shapeToString(shape));
  return shape;
}
}  // namespace

OpDef expand() {
  OpDef def{.kind = "expand",
            .description = "repeat size-1 dimensions to reach shape",
            .attrs = {{"shape", AttrType::Ints, std::nullopt}},
            .dtypes = kAnyDType};
  def.infer = [](const OpSignature& sig) {
    return std::vector<TensorType>{
        {sig.input(0).dtype, checkedShape(sig.input(0).shape, sig.attrs.getInts("shape"))}};
  };
  def.mapping = always(MappingType::OneToMany);
  def.flops = flopsPerOutputElement(0);
  def.fold = [](const std::vector<Tensor>& in, const Attributes& attrs) {
    const Shape& in_shape = in[0].shape();
    const Shape shape = checkedShape(in_shape, attrs.getInts("shape"));
    const std::vector<int64_t> strides = broadcastStrides(in_shape, shape);
    return std::vector<Tensor>{gathered(in[0], shape, [&](const std::vector<int64_t>& index) {
      int64_t offset = 0;
      for (size_t d = 0; d < shape.size(); ++d) offset += index[d] * strides[d];
      return offset;
    })};
  };
  return def;
}

}  // namespace kiln::ir::ops
