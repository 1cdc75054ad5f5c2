// gather: out[i][j][k] = x[index[i][j][k]][j][k] for dim 0, and so on (torch.gather); index is int64 with
// x's rank and no larger than x outside dim. The output has index's shape. Indices outside [0, size) are
// clamped into it, so a bad index reads a wrong element, never outside memory.
#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef gather() {
  OpDef def{.kind = "gather",
            .description = "x's elements at int64 indices along dim (torch.gather)",
            .min_inputs = 2,
            .max_inputs = 2,
            .attrs = {{"dim", AttrType::Int, std::nullopt}},
            .dtypes = {DType::Float32, DType::Int64}};
  def.infer = [](const OpSignature& sig) {
    const TensorType &x = sig.input(0), &index = sig.input(1);
    if (x.dtype != DType::Float32 || index.dtype != DType::Int64)
      fail("gather: takes f32 values and i64 indices, got {} and {}", toString(x), toString(index));
    const int dim = indexDim(sig.attrs.getInt("dim"), x.rank(), "gather");
    if (index.rank() != x.rank())
      fail("gather: index {} must have the rank of x {}", toString(index), toString(x));
    for (int d = 0; d < x.rank(); ++d)
      if (d != dim && index.shape[d] > x.shape[d])
        fail("gather: index {} is larger than x {} in dimension {}", toString(index), toString(x), d);
    return std::vector<TensorType>{{DType::Float32, index.shape}};
  };
  def.mapping = always(MappingType::ManyToMany);
  def.flops = flopsPerOutputElement(0);
  return def;
}

}  // namespace kiln::ir::ops
