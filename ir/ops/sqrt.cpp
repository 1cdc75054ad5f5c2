// sqrt: square root.
#include <cmath>

#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef sqrt() {
  return unaryElementwise("sqrt", "square root", 1,
                          [](float x, const Attributes&) -> float { return std::sqrt(x); });
}

}  // namespace kiln::ir::ops
