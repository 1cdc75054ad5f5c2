// exp: e to the x.
#include <cmath>

#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef exp() {
  return unaryElementwise("exp", "e to the x", 1,
                          [](float x, const Attributes&) -> float { return std::exp(x); });
}

}  // namespace kiln::ir::ops
