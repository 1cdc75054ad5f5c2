// argmin: the index of the smallest element along dim (the first of equal ones), as int64.
#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef argmin() {
  return argReduction("argmin", "int64 index of the smallest element along dim (keepdim keeps it as size 1)");
}

}  // namespace kiln::ir::ops
