// erf: the error function.
#include <cmath>

#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef erf() {
  return unaryElementwise("erf", "the error function", 1,
                          [](float x, const Attributes&) -> float { return std::erf(x); });
}

}  // namespace kiln::ir::ops
