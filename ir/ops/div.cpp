// div: a / b, with broadcasting.
#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef div() {
  return binaryElementwise("div", "a / b", [](float a, float b) { return a / b; });
}

}  // namespace kiln::ir::ops
