// logical_xor: a xor b on bool tensors, with broadcasting.
#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef logical_xor() {
  return logicalBinary("logical_xor", "a xor b (bool tensors)");
}

}  // namespace kiln::ir::ops
