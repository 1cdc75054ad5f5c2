// trunc: x rounded toward zero.
#include <cmath>

#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef trunc() {
  return unaryElementwise("trunc", "x rounded toward zero", 1,
                          [](float x, const Attributes&) -> float { return std::trunc(x); });
}

}  // namespace kiln::ir::ops
