// logical_and: a and b on bool tensors, with broadcasting.
#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef logical_and() {
  return logicalBinary("logical_and", "a and b (bool tensors)");
}

}  // namespace kiln::ir::ops
