// reciprocal: 1 / x.
#include <cmath>

#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef reciprocal() {
  return unaryElementwise("reciprocal", "1 / x", 1,
                          [](float x, const Attributes&) -> float { return 1.0f / x; });
}

}  // namespace kiln::ir::ops
