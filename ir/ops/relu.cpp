// relu: max(x, 0)
#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef relu() {
  return unaryElementwise("relu", "max(x, 0)", 1,
                          [](float x, const Attributes&) -> float { return x > 0.0f ? x : 0.0f; });
}

}  // namespace kiln::ir::ops
