// pad: grows (or, with negative amounts in constant mode, crops) each dimension by `pads` = [before_0,
// after_0, before_1, after_1, ...], one pair per dimension in order. The new elements are `value`
// (constant), the nearest edge element (replicate), the mirror image without repeating the edge (reflect),
// or the elements from the other end (circular) — PyTorch's F.pad modes, whose reversed last-dimension-first
// pad list the importer turns into this one.
#include <algorithm>

#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

namespace {

// The source index along a dimension of `size` for output index `out` (before `before` new elements), or -1
// where constant mode fills.
int64_t sourceIndex(const std::string& mode, int64_t out, int64_t before, int64_t size) {
  const int64_t j = out - before;
  if (mode == "constant") return j >= 0 && j < size ? j : -1;
  if (mode == "replicate") return std::clamp<int64_t>(j, 0, size - 1);
  if (mode == "reflect") return j < 0 ? -j : j >= size ? 2 * (size - 1) - j : j;
  return ((j % size) + size) % size;  // circular
}

Shape paddedShape(const Shape& in, const Attributes& attrs) {
  const std::vector<int64_t>& pads = attrs.getInts("pads");
  const std::string& mode = attrs.getString("mode");
  if (mode != "constant" && mode != "reflect" && mode != "replicate" && mode != "circular")
    fail("pad: mode must be constant, reflect, replicate or circular, got '{}'", mode);
  if (pads.size() != 2 * in.size())
    fail("pad: pads must hold 2 values per dimension ({}), got {}", 2 * in.size(), pads.size());
  Shape out = in;
  for (size_t d = 0; d < in.size(); ++d) {
    const int64_t before = pads[2 * d], after = pads[2 * d + 1];
    if (mode != "constant" && (before < 0 || after < 0))
      fail("pad: {} padding cannot be negative (dimension {})", mode, d);
    if (mode == "reflect" && (before >= in[d] || after >= in[d]))
      fail("pad: reflect padding of dimension {} must be smaller than its size {}", d, in[d]);
    if (mode == "circular" && (before > in[d] || after > in[d]))
      fail("pad: circular padding of dimension {} cannot exceed its size {}", d, in[d]);
    out[d] = in[d] + before + after;
    if (out[d] < 1) fail("pad: dimension {} would have size {}", d, out[d]);
  }
  return out;
}

}  // namespace

OpDef pad() {
  OpDef def{
      .kind = "pad",
      .description = "pads (before, after per dimension) with a constant, replicate, reflect or circular",
      .attrs = {{"pads", AttrType::Ints, std::nullopt},
                {"mode", AttrType::String, std::string("constant")},
                {"value", AttrType::Float, 0.0}}};
  def.infer = [](const OpSignature& sig) {
    return std::vector<TensorType>{{sig.input(0).dtype, paddedShape(sig.input(0).shape, sig.attrs)}};
  };
  def.mapping = [](const OpSignature& sig) {
    return sig.attrs.getString("mode") == "constant" ? MappingType::OneToOne : MappingType::OneToMany;
  };
  def.flops = flopsPerOutputElement(0);
  def.fold = [](const std::vector<Tensor>& in, const Attributes& attrs) {
    const Shape& shape = in[0].shape();
    const std::vector<int64_t>& pads = attrs.getInts("pads");
    const std::string& mode = attrs.getString("mode");
    const std::vector<int64_t> strides = rowMajorStrides(shape);
    auto offset = [&](const std::vector<int64_t>& index) {
      int64_t offset = 0;
      for (size_t d = 0; d < index.size(); ++d) {
        const int64_t source = sourceIndex(mode, index[d], pads[2 * d], shape[d]);
        if (source < 0) return int64_t{-1};
        offset += source * strides[d];
      }
      return offset;
    };
    return std::vector<Tensor>{
        gathered(in[0], paddedShape(shape, attrs), offset, static_cast<float>(attrs.getFloat("value")))};
  };
  return def;
}

}  // namespace kiln::ir::ops
