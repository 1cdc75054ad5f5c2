// amax: largest element over the listed dimensions, keeping them as size 1 when keepdim is set.
#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef amax() {
  return reduction("amax", "maximum over dims (keepdim keeps them as size 1)", 0);
}

}  // namespace kiln::ir::ops
