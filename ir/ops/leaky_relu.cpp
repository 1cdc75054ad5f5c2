// leaky_relu: x for x > 0, else negative_slope x.
#include <cmath>

#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef leaky_relu() {
  return unaryElementwise("leaky_relu", "x for x > 0, else negative_slope x", 2,
                          [](float x, const Attributes& attrs) -> float {
                            return x > 0 ? x : static_cast<float>(attrs.getFloat("negative_slope")) * x;
                          },
                          {{"negative_slope", AttrType::Float, 0.01}});
}

}  // namespace kiln::ir::ops
