// tanh: hyperbolic tangent
#include <cmath>

#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef tanh() {
  return unaryElementwise("tanh", "hyperbolic tangent", 1,
                          [](float x, const Attributes&) -> float { return std::tanh(x); });
}

}  // namespace kiln::ir::ops
