// logical_not: not x on a bool tensor.
#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef logical_not() {
  return logicalUnary("logical_not", "not x (bool tensor)");
}

}  // namespace kiln::ir::ops
