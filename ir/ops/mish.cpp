// mish: x tanh(softplus(x)).
#include <cmath>

#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef mish() {
  return unaryElementwise("mish", "x tanh(softplus(x))", 6, [](float x, const Attributes&) -> float {
    return x * std::tanh(x > 20.0f ? x : std::log1p(std::exp(x)));
  });
}

}  // namespace kiln::ir::ops
