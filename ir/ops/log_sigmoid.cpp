// log_sigmoid: log(sigmoid(x)), computed as min(x, 0) - log1p(exp(-|x|)).
#include <algorithm>
#include <cmath>

#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef log_sigmoid() {
  return unaryElementwise("log_sigmoid", "log(sigmoid(x)), computed as min(x, 0) - log1p(exp(-|x|))", 4,
                          [](float x, const Attributes&) -> float {
                            return std::min(x, 0.0f) - std::log1p(std::exp(-std::fabs(x)));
                          });
}

}  // namespace kiln::ir::ops
