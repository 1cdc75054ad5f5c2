// sigmoid: 1 / (1 + exp(-x))
#include <cmath>

#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef sigmoid() {
  return unaryElementwise("sigmoid", "1 / (1 + exp(-x))", 4,
                          [](float x, const Attributes&) -> float { return 1.0f / (1.0f + std::exp(-x)); });
}

}  // namespace kiln::ir::ops
