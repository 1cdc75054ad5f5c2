// ne: a != b elementwise, with broadcasting; a bool tensor.
#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef ne() {
  return comparison("ne", "a != b (bool result)");
}

}  // namespace kiln::ir::ops
