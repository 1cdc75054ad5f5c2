// gt: a > b elementwise, with broadcasting; a bool tensor.
#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef gt() {
  return comparison("gt", "a > b (bool result)");
}

}  // namespace kiln::ir::ops
