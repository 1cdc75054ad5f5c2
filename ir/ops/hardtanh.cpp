// hardtanh: clamp(x, min_val, max_val); relu6 and clamp are spelled with it
#include <algorithm>

#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef hardtanh() {
  return unaryElementwise("hardtanh", "clamp(x, min_val, max_val); relu6 and clamp are spelled with it", 2,
                          [](float x, const Attributes& attrs) -> float {
                            return std::clamp(x, static_cast<float>(attrs.getFloat("min_val")),
                                              static_cast<float>(attrs.getFloat("max_val")));
                          },
                          {{"min_val", AttrType::Float, -1.0}, {"max_val", AttrType::Float, 1.0}});
}

}  // namespace kiln::ir::ops
