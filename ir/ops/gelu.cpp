// gelu: x * Phi(x), exact (erf) or with PyTorch's tanh approximation (attribute approximate = "none" |
// "tanh").
#include <cmath>

#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef gelu() {
  OpDef def = unaryElementwise("gelu", "x * Phi(x)", 5,
                               [](float x, const Attributes& attrs) -> float {
                                 if (attrs.getString("approximate") == "tanh") {
                                   const float k = std::sqrt(2.0f / static_cast<float>(M_PI));
                                   return 0.5f * x * (1.0f + std::tanh(k * (x + 0.044715f * x * x * x)));
                                 }
                                 return 0.5f * x * (1.0f + std::erf(x / std::sqrt(2.0f)));
                               },
                               {{"approximate", AttrType::String, std::string("none")}});
  auto infer = def.infer;
  def.infer = [infer](const OpSignature& sig) {
    const std::string& approximate = sig.attrs.getString("approximate");
    if (approximate != "none" && approximate != "tanh")
      fail("gelu: approximate must be \"none\" or \"tanh\", got \"{}\"", approximate);
    return infer(sig);
  };
  return def;
}

}  // namespace kiln::ir::ops
