// minimum: the smaller of a and b, with broadcasting.
#include <algorithm>

#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef minimum() {
  return binaryElementwise("minimum", "the smaller of a and b, with broadcasting",
                           [](float a, float b) { return std::min(a, b); });
}

}  // namespace kiln::ir::ops
