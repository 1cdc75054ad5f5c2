// log: natural logarithm.
#include <cmath>

#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef log() {
  return unaryElementwise("log", "natural logarithm", 1,
                          [](float x, const Attributes&) -> float { return std::log(x); });
}

}  // namespace kiln::ir::ops
