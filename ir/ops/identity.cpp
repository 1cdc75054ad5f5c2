// identity: returns its input; removed by the identity-removal pass.
#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef identity() {
  return passThrough("identity", "returns its input; removed by the identity-removal pass");
}

}  // namespace kiln::ir::ops
