// neg: -x.
#include <cmath>

#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef neg() {
  return unaryElementwise("neg", "-x", 1, [](float x, const Attributes&) -> float { return -x; });
}

}  // namespace kiln::ir::ops
