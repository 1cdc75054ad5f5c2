// Batch norm (inference form), layer norm and softmax.
//
// Argument positions follow the aten schemas (native_functions.yaml); a variant kiln does not handle says so
// through LoweringContext::unsupported.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "frontend/aten/families.h"

namespace kiln::frontend {
namespace {

using Ctx = LoweringContext;
using ir::Attributes;
using ir::ValueId;

// aten::batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps, cudnn_enabled)
std::vector<Binding> batchNorm(Ctx& c) {
  if (c.toBool(5)) c.unsupported("training-mode batch norm (export the model in eval mode)");
  if (c.isNone(3) || c.isNone(4)) c.unsupported("batch norm without running statistics");
  int64_t channels = c.type(0).shape.at(1);
  auto paramOr = [&](int i, float fill, const char* name) {
    return c.isNone(i) ? c.addConstant(name, ir::Tensor::filled({channels}, fill)) : c.tensor(i);
  };
  std::vector<ValueId> inputs = {c.tensor(0), paramOr(1, 1.0f, "bn_weight"), paramOr(2, 0.0f, "bn_bias"),
                                 c.tensor(3), c.tensor(4)};
  return one(c.emit("batch_norm", inputs, {{"eps", c.toDouble(7)}}));
}

// aten::layer_norm(input, normalized_shape, weight, bias, eps, cudnn_enable)
std::vector<Binding> layerNorm(Ctx& c) {
  std::vector<ValueId> inputs = {c.tensor(0)};
  if (!c.isNone(2)) inputs.push_back(c.tensor(2));
  if (!c.isNone(3)) {
    if (c.isNone(2)) c.unsupported("layer norm with a bias but no weight");
    inputs.push_back(c.tensor(3));
  }
  return one(c.emit("layer_norm", inputs, {{"normalized_shape", c.toIntList(1)}, {"eps", c.toDouble(4)}}));
}

std::vector<Binding> softmax(Ctx& c) {
  if (c.numInputs() > 2 && !c.isNone(2)) c.unsupported("softmax with a dtype argument");
  return one(c.emit("softmax", {c.tensor(0)}, {{"dim", c.toInt(1)}}));
}

}  // namespace

LoweringTable normalizationLowerings() {
  return {
      {"aten::batch_norm", batchNorm},
      {"aten::layer_norm", layerNorm},
      {"aten::softmax", softmax},
  };
}

}  // namespace kiln::frontend
