// ceil: smallest integer not below x.
#include <cmath>

#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef ceil() {
  return unaryElementwise("ceil", "smallest integer not below x", 1,
                          [](float x, const Attributes&) -> float { return std::ceil(x); });
}

}  // namespace kiln::ir::ops
