// embedding: rows of a [num_embeddings, dim] table picked by int64 indices of any shape; the output is
// [*indices.shape, dim]. Indices outside [0, num_embeddings) are clamped into it, so a bad token id reads a
// wrong row, never outside memory.
#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef embedding() {
  OpDef def{.kind = "embedding",
            .description = "table rows at int64 indices",
            .min_inputs = 2,
            .max_inputs = 2,
            .dtypes = {DType::Float32, DType::Int64}};
  def.infer = [](const OpSignature& sig) {
    const TensorType &table = sig.input(0), &indices = sig.input(1);
    if (table.dtype != DType::Float32 || table.rank() != 2 || indices.dtype != DType::Int64)
      fail("embedding: takes an f32 [num_embeddings, dim] table and i64 indices, got {} and {}",
           toString(table), toString(indices));
    Shape out = indices.shape;
    out.push_back(table.shape[1]);
    return std::vector<TensorType>{{DType::Float32, out}};
  };
  def.mapping = always(MappingType::ManyToMany);
  def.flops = flopsPerOutputElement(0);
  return def;
}

}  // namespace kiln::ir::ops
