// topk: the k largest (largest=false: smallest) elements along dim, in order, and their int64 indices; equal
// elements come in index order. sort and argsort are spelled with it (k = the dimension's size).
#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef topk() {
  OpDef def{.kind = "topk",
            .description = "k largest (largest=false: smallest) along dim in order, and their int64 indices",
            .attrs = {{"k", AttrType::Int, std::nullopt},
                      {"dim", AttrType::Int, int64_t{-1}},
                      {"largest", AttrType::Bool, true}}};
  def.infer = [](const OpSignature& sig) {
    const TensorType& x = sig.input(0);
    const int dim = indexDim(sig.attrs.getInt("dim"), x.rank(), "topk");
    const int64_t k = sig.attrs.getInt("k");
    if (k < 1 || k > x.shape[dim])
      fail("topk: k = {} must be between 1 and the size {} of dimension {}", k, x.shape[dim], dim);
    Shape out = x.shape;
    out[dim] = k;
    return std::vector<TensorType>{{DType::Float32, out}, {DType::Int64, out}};
  };
  def.mapping = always(MappingType::ManyToMany);
  // Every element is compared with every other along dim (its rank), then each output scans the dimension.
  def.flops = [](const OpSignature& sig, const std::vector<TensorType>& outs) {
    const TensorType& x = sig.input(0);
    const int64_t n = x.shape[indexDim(sig.attrs.getInt("dim"), x.rank(), "topk")];
    return x.numElements() * n + 2 * outs[0].numElements() * n;
  };
  return def;
}

}  // namespace kiln::ir::ops
