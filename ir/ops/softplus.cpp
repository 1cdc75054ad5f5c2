// softplus: log(1 + exp(beta x)) / beta, x itself where beta x > threshold.
#include <cmath>

#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef softplus() {
  return unaryElementwise(
      "softplus", "log(1 + exp(beta x)) / beta, x itself where beta x > threshold", 4,
      [](float x, const Attributes& attrs) -> float {
        const float beta = static_cast<float>(attrs.getFloat("beta"));
        return beta * x > attrs.getFloat("threshold") ? x : std::log1p(std::exp(beta * x)) / beta;
      },
      {{"beta", AttrType::Float, 1.0}, {"threshold", AttrType::Float, 20.0}});
}

}  // namespace kiln::ir::ops
