// reshape: the same elements in row-major order under a new shape (flatten and view are spelled with it).
// One entry of `shape` may be -1, meaning "whatever makes the element counts agree".
#include <algorithm>

#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

namespace {
Shape resolveShape(const Shape& requested, int64_t count) {
  Shape shape = requested;
  auto unknown = std::find(shape.begin(), shape.end(), -1);
  int64_t known = 1;
  for (int64_t d : shape)
    if (d != -1) {
      if (d < 0) fail("reshape: invalid dimension {} in [{}]", d, shapeToString(requested));
      if (d > 0 && known > kMaxShapeElements / d)
        fail("reshape: [{}] holds more than 2^40 elements", shapeToString(requested));
      known *= d;
    }
  if (unknown != shape.end()) {
    if (std::find(unknown + 1, shape.end(), -1) != shape.end())
      fail("reshape: only one dimension may be -1 in [{}]", shapeToString(requested));
    if (known == 0 || count % known != 0)
      fail("reshape: cannot infer -1 in [{}] for {} elements", shapeToString(requested), count);
    *unknown = count / known;
  } else if (known != count) {
    fail("reshape: shape [{}] has {} elements, the input has {}", shapeToString(requested), known, count);
  }
  return shape;
}
}  // namespace

OpDef reshape() {
  OpDef def{.kind = "reshape",
            .description = "same elements, new shape (row-major)",
            .attrs = {{"shape", AttrType::Ints, std::nullopt}},
            .dtypes = kAnyDType};
  def.infer = [](const OpSignature& sig) {
    return std::vector<TensorType>{
        {sig.input(0).dtype, resolveShape(sig.attrs.getInts("shape"), sig.input(0).numElements())}};
  };
  def.mapping = always(MappingType::Reorganize);
  def.flops = flopsPerOutputElement(0);
  def.fold = [](const std::vector<Tensor>& in, const Attributes& attrs) {
    Shape shape = resolveShape(attrs.getInts("shape"), in[0].numElements());
    return std::vector<Tensor>{Tensor(shape, {in[0].f32().begin(), in[0].f32().end()})};
  };
  return def;
}

}  // namespace kiln::ir::ops
