// split: cuts a tensor along `dim` into consecutive pieces of the given sizes, one output each
// (torch.split and torch.chunk are spelled with it).
#include <numeric>

#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef split() {
  OpDef def{.kind = "split",
            .description = "split along dim into pieces of the given sizes",
            .attrs = {{"dim", AttrType::Int, int64_t{0}}, {"sizes", AttrType::Ints, std::nullopt}},
            .dtypes = kAnyDType};
  def.infer = [](const OpSignature& sig) {
    const TensorType& x = sig.input(0);
    int dim = indexDim(sig.attrs.getInt("dim"), x.rank(), "split");
    const auto& sizes = sig.attrs.getInts("sizes");
    int64_t total = std::accumulate(sizes.begin(), sizes.end(), int64_t{0});
    if (sizes.empty() || total != x.shape[dim])
      fail("split: sizes {} must add up to dimension {} of {} ({})", attrToString(sizes), dim, toString(x),
           x.shape[dim]);
    std::vector<TensorType> outs;
    for (int64_t size : sizes) {
      if (size <= 0) fail("split: sizes must be positive, got {}", attrToString(sizes));
      TensorType piece = x;
      piece.shape[dim] = size;
      outs.push_back(piece);
    }
    return outs;
  };
  def.mapping = always(MappingType::OneToOne);
  def.flops = flopsPerOutputElement(0);
  return def;
}

}  // namespace kiln::ir::ops
