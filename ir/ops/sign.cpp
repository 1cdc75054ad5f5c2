// sign: -1, 0 or 1 by the sign of x.
#include <cmath>

#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef sign() {
  return unaryElementwise("sign", "-1, 0 or 1 by the sign of x", 1, [](float x, const Attributes&) -> float {
    return static_cast<float>((x > 0) - (x < 0));
  });
}

}  // namespace kiln::ir::ops
