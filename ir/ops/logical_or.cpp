// logical_or: a or b on bool tensors, with broadcasting.
#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef logical_or() {
  return logicalBinary("logical_or", "a or b (bool tensors)");
}

}  // namespace kiln::ir::ops
