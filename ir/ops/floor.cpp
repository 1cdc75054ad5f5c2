// floor: largest integer not above x.
#include <cmath>

#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef floor() {
  return unaryElementwise("floor", "largest integer not above x", 1,
                          [](float x, const Attributes&) -> float { return std::floor(x); });
}

}  // namespace kiln::ir::ops
