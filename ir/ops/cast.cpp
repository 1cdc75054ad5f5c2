// cast: the same elements converted to `dtype` (f32, i64 or bool) with PyTorch's rules: float to int64
// truncates toward zero, any nonzero value is true, true is 1.
#include <algorithm>

#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef cast() {
  OpDef def{.kind = "cast",
            .description = "elements converted to dtype (f32, i64, bool)",
            .attrs = {{"dtype", AttrType::String, std::nullopt}},
            .dtypes = kAnyDType};
  def.infer = [](const OpSignature& sig) {
    const std::string& name = sig.attrs.getString("dtype");
    const std::optional<DType> dtype = parseDType(name);
    if (!dtype || std::find(kAnyDType.begin(), kAnyDType.end(), *dtype) == kAnyDType.end())
      fail("cast: dtype '{}' is not one of f32, i64, bool", name);
    return std::vector<TensorType>{{*dtype, sig.input(0).shape}};
  };
  def.mapping = always(MappingType::OneToOne);
  def.flops = flopsPerOutputElement(0);
  return def;
}

}  // namespace kiln::ir::ops
