// matmul: torch.matmul semantics — 1-D operands are promoted (and the added dimension removed again), leading
// batch dimensions broadcast.
#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef matmul() {
  OpDef def{.kind = "matmul",
            .description = "batched matrix product with broadcasting (torch.matmul)",
            .min_inputs = 2,
            .max_inputs = 2};
  def.infer = [](const OpSignature& sig) {
    Shape a = sig.input(0).shape, b = sig.input(1).shape;
    if (a.empty() || b.empty())
      fail("matmul: operands must have rank 1 or more, got {} and {}", toString(sig.input(0)),
           toString(sig.input(1)));
    bool vector_a = a.size() == 1, vector_b = b.size() == 1;
    if (vector_a) a.insert(a.begin(), 1);
    if (vector_b) b.push_back(1);
    int64_t k = a.back();
    if (b[b.size() - 2] != k)
      fail("matmul: inner dimensions differ: {} times {}", toString(sig.input(0)), toString(sig.input(1)));
    Shape batch = broadcastShapes(Shape(a.begin(), a.end() - 2), Shape(b.begin(), b.end() - 2), "matmul");
    Shape out = batch;
    if (!vector_a) out.push_back(a[a.size() - 2]);
    if (!vector_b) out.push_back(b.back());
    return std::vector<TensorType>{{sig.input(0).dtype, out}};
  };
  def.mapping = always(MappingType::ManyToMany);
  def.flops = [](const OpSignature& sig, const std::vector<TensorType>& outs) {
    int64_t k = sig.input(0).shape.back();
    return 2 * k * outs[0].numElements();
  };
  return def;
}

}  // namespace kiln::ir::ops
