// hardsigmoid: relu6(x + 3) / 6
#include <algorithm>

#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef hardsigmoid() {
  return unaryElementwise("hardsigmoid", "relu6(x + 3) / 6", 4, [](float x, const Attributes&) -> float {
    return std::clamp(x + 3.0f, 0.0f, 6.0f) / 6.0f;
  });
}

}  // namespace kiln::ir::ops
