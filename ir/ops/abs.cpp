// abs: |x|.
#include <cmath>

#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef abs() {
  return unaryElementwise("abs", "|x|", 1, [](float x, const Attributes&) -> float { return std::fabs(x); });
}

}  // namespace kiln::ir::ops
