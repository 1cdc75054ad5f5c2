// lt: a < b elementwise, with broadcasting; a bool tensor.
#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef lt() {
  return comparison("lt", "a < b (bool result)");
}

}  // namespace kiln::ir::ops
