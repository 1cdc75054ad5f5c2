// silu: x * sigmoid(x), also called swish
#include <cmath>

#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef silu() {
  return unaryElementwise("silu", "x * sigmoid(x), also called swish", 5,
                          [](float x, const Attributes&) -> float { return x / (1.0f + std::exp(-x)); });
}

}  // namespace kiln::ir::ops
