// elu: scale x for x > 0, else scale alpha (exp(input_scale x) - 1); selu and celu are spelled with it.
#include <cmath>

#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef elu() {
  return unaryElementwise(
      "elu",
      "scale x for x > 0, else scale alpha (exp(input_scale x) - 1); selu and celu are spelled with it", 4,
      [](float x, const Attributes& attrs) -> float {
        const float scale = static_cast<float>(attrs.getFloat("scale"));
        if (x > 0) return scale * x;
        return scale * static_cast<float>(attrs.getFloat("alpha")) *
               std::expm1(static_cast<float>(attrs.getFloat("input_scale")) * x);
      },
      {{"alpha", AttrType::Float, 1.0},
       {"scale", AttrType::Float, 1.0},
       {"input_scale", AttrType::Float, 1.0}});
}

}  // namespace kiln::ir::ops
