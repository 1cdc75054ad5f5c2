// mean: arithmetic mean over the listed dimensions, keeping them as size 1 when keepdim is set.
#include <set>

#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef mean() {
  OpDef def{.kind = "mean",
            .description = "mean over dims (keepdim keeps them as size 1)",
            .attrs = {{"dims", AttrType::Ints, std::nullopt}, {"keepdim", AttrType::Bool, false}}};
  def.infer = [](const OpSignature& sig) {
    const TensorType& x = sig.input(0);
    std::set<int> dims;
    for (int64_t d : sig.attrs.getInts("dims"))
      if (!dims.insert(normalizeDim(d, x.rank(), "mean")).second)
        fail("mean: dimension {} is listed twice", d);
    if (dims.empty()) fail("mean: dims must name at least one dimension");
    Shape out;
    for (int d = 0; d < x.rank(); ++d) {
      if (!dims.count(d))
        out.push_back(x.shape[d]);
      else if (sig.attrs.getBool("keepdim"))
        out.push_back(1);
    }
    return std::vector<TensorType>{{x.dtype, out}};
  };
  def.mapping = always(MappingType::ManyToMany);
  def.flops = [](const OpSignature& sig, const std::vector<TensorType>& outs) {
    return sig.input(0).numElements() + outs[0].numElements();  // the sums and one division per output
  };
  return def;
}

}  // namespace kiln::ir::ops
