// permute: reorders dimensions, output dim i = input dim dims[i] (transpose is spelled with it).
#include <algorithm>

#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

namespace {
std::vector<int> checkedPermutation(const std::vector<int64_t>& dims, int rank) {
  std::vector<int> perm;
  for (int64_t d : dims) perm.push_back(indexDim(d, rank, "permute"));
  std::vector<int> sorted = perm;
  std::sort(sorted.begin(), sorted.end());
  for (int i = 0; i < static_cast<int>(sorted.size()); ++i)
    if (sorted[i] != i || static_cast<int>(perm.size()) != rank)
      fail("permute: dims {} is not a permutation of {} dimensions", attrToString(dims), rank);
  return perm;
}
}  // namespace

OpDef permute() {
  OpDef def{.kind = "permute",
            .description = "reorder dimensions: output dim i is input dim dims[i]",
            .attrs = {{"dims", AttrType::Ints, std::nullopt}},
            .dtypes = kAnyDType};
  def.infer = [](const OpSignature& sig) {
    const TensorType& x = sig.input(0);
    std::vector<int> perm = checkedPermutation(sig.attrs.getInts("dims"), x.rank());
    Shape shape;
    for (int p : perm) shape.push_back(x.shape[p]);
    return std::vector<TensorType>{{x.dtype, shape}};
  };
  def.mapping = always(MappingType::Shuffle);
  def.flops = flopsPerOutputElement(0);
  def.fold = [](const std::vector<Tensor>& in, const Attributes& attrs) {
    const Shape& shape = in[0].shape();
    std::vector<int> perm = checkedPermutation(attrs.getInts("dims"), static_cast<int>(shape.size()));
    const std::vector<int64_t> in_strides = rowMajorStrides(shape);
    Shape out_shape;
    for (int p : perm) out_shape.push_back(shape[p]);
    return std::vector<Tensor>{gathered(in[0], out_shape, [&](const std::vector<int64_t>& index) {
      int64_t offset = 0;
      for (size_t d = 0; d < perm.size(); ++d) offset += index[d] * in_strides[perm[d]];
      return offset;
    })};
  };
  return def;
}

}  // namespace kiln::ir::ops
