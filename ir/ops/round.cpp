// round: nearest integer, halves to even (torch.round).
#include <cmath>

#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef round() {
  return unaryElementwise("round", "nearest integer, halves to even (torch.round)", 1,
                          [](float x, const Attributes&) -> float { return std::nearbyint(x); });
}

}  // namespace kiln::ir::ops
