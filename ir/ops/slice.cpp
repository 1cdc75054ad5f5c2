// slice: every step-th element of dimension `dim` from start up to (not including) end; the other dimensions
// whole (tensor[..., start:end:step], narrow and select are spelled with it). The importer resolves
// PyTorch's negative and out-of-range bounds, so here 0 <= start < end <= size and step >= 1.
#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

namespace {
struct Bounds {
  int dim;
  int64_t start, step, length;
};

Bounds checkedBounds(const Shape& shape, const Attributes& attrs) {
  const int dim = indexDim(attrs.getInt("dim"), static_cast<int>(shape.size()), "slice");
  const int64_t start = attrs.getInt("start"), end = attrs.getInt("end"), step = attrs.getInt("step");
  if (step < 1) fail("slice: step must be at least 1, got {}", step);
  if (start < 0 || end > shape[dim] || start >= end)
    fail("slice: [{}:{}] of dimension {} (size {}) must satisfy 0 <= start < end <= size", start, end, dim,
         shape[dim]);
  return {dim, start, step, (end - start + step - 1) / step};
}
}  // namespace

OpDef slice() {
  OpDef def{.kind = "slice",
            .description = "elements start, start+step, ... below end along dim",
            .attrs = {{"dim", AttrType::Int, int64_t{0}},
                      {"start", AttrType::Int, int64_t{0}},
                      {"end", AttrType::Int, std::nullopt},
                      {"step", AttrType::Int, int64_t{1}}},
            .dtypes = kAnyDType};
  def.infer = [](const OpSignature& sig) {
    TensorType out = sig.input(0);
    const Bounds b = checkedBounds(out.shape, sig.attrs);
    out.shape[b.dim] = b.length;
    return std::vector<TensorType>{out};
  };
  def.mapping = always(MappingType::OneToOne);
  def.flops = flopsPerOutputElement(0);
  def.fold = [](const std::vector<Tensor>& in, const Attributes& attrs) {
    const Bounds b = checkedBounds(in[0].shape(), attrs);
    Shape shape = in[0].shape();
    shape[b.dim] = b.length;
    const std::vector<int64_t> strides = rowMajorStrides(in[0].shape());
    return std::vector<Tensor>{gathered(in[0], shape, [&](const std::vector<int64_t>& index) {
      int64_t offset = 0;
      for (size_t d = 0; d < index.size(); ++d)
        offset += (static_cast<int>(d) == b.dim ? b.start + index[d] * b.step : index[d]) * strides[d];
      return offset;
    })};
  };
  return def;
}

}  // namespace kiln::ir::ops
