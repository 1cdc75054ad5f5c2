// flip: reverses the order of elements along each dimension in `dims` (torch.flip).
#include <set>

#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

namespace {
std::set<int> flippedDims(const Shape& shape, const Attributes& attrs) {
  std::set<int> dims;
  for (int64_t d : attrs.getInts("dims"))
    if (!dims.insert(indexDim(d, static_cast<int>(shape.size()), "flip")).second)
      fail("flip: dimension {} is listed twice", d);
  return dims;
}
}  // namespace

OpDef flip() {
  OpDef def{.kind = "flip",
            .description = "reverses the elements along dims",
            .attrs = {{"dims", AttrType::Ints, std::nullopt}},
            .dtypes = kAnyDType};
  def.infer = [](const OpSignature& sig) {
    flippedDims(sig.input(0).shape, sig.attrs);
    return sameAsInput(sig);
  };
  def.mapping = always(MappingType::Shuffle);
  def.flops = flopsPerOutputElement(0);
  def.fold = [](const std::vector<Tensor>& in, const Attributes& attrs) {
    const Shape& shape = in[0].shape();
    const std::set<int> dims = flippedDims(shape, attrs);
    const std::vector<int64_t> strides = rowMajorStrides(shape);
    return std::vector<Tensor>{gathered(in[0], shape, [&](const std::vector<int64_t>& index) {
      int64_t offset = 0;
      for (size_t d = 0; d < index.size(); ++d)
        offset += (dims.count(static_cast<int>(d)) ? shape[d] - 1 - index[d] : index[d]) * strides[d];
      return offset;
    })};
  };
  return def;
}

}  // namespace kiln::ir::ops
