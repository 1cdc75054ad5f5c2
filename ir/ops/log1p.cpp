// log1p: log(1 + x), accurate for small x.
#include <cmath>

#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef log1p() {
  return unaryElementwise("log1p", "log(1 + x), accurate for small x", 2,
                          [](float x, const Attributes&) -> float { return std::log1p(x); });
}

}  // namespace kiln::ir::ops
