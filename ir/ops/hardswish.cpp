// hardswish: x * relu6(x + 3) / 6
#include <algorithm>

#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef hardswish() {
  return unaryElementwise("hardswish", "x * relu6(x + 3) / 6", 5, [](float x, const Attributes&) -> float {
    return x * std::clamp(x + 3.0f, 0.0f, 6.0f) / 6.0f;
  });
}

}  // namespace kiln::ir::ops
