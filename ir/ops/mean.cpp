// mean: arithmetic mean over the listed dimensions, keeping them as size 1 when keepdim is set.
#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef mean() {
  return reduction("mean", "mean over dims (keepdim keeps them as size 1)", 1);
}

}  // namespace kiln::ir::ops
