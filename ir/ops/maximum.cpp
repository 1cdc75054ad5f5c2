// maximum: the larger of a and b, with broadcasting.
#include <algorithm>

#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef maximum() {
  return binaryElementwise("maximum", "the larger of a and b, with broadcasting",
                           [](float a, float b) { return std::max(a, b); });
}

}  // namespace kiln::ir::ops
