// dropout: inference-mode dropout, an identity; removed by the identity-removal pass.
#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef dropout() {
  return passThrough("dropout", "inference-mode dropout, an identity; removed by the identity-removal pass",
                     {{"p", AttrType::Float, 0.5}});
}

}  // namespace kiln::ir::ops
