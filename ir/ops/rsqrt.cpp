// rsqrt: 1 / sqrt(x).
#include <cmath>

#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef rsqrt() {
  return unaryElementwise("rsqrt", "1 / sqrt(x)", 2,
                          [](float x, const Attributes&) -> float { return 1.0f / std::sqrt(x); });
}

}  // namespace kiln::ir::ops
