// pow: x to a constant exponent (square, x ** 0.5, ...).
#include <cmath>

#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef pow() {
  return unaryElementwise("pow", "x to a constant exponent (square, x ** 0.5, ...)", 1,
                          [](float x, const Attributes& attrs) -> float {
                            return std::pow(x, static_cast<float>(attrs.getFloat("exponent")));
                          },
                          {{"exponent", AttrType::Float, std::nullopt}});
}

}  // namespace kiln::ir::ops
