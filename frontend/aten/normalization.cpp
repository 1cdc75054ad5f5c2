// Batch norm (inference form), layer norm and softmax.
//
// Argument positions follow the aten schemas (native_functions.yaml); a variant kiln does not handle says so
// through LoweringContext::unsupported.
#include <algorithm>

#include "frontend/aten/families.h"

namespace kiln::frontend {
namespace {

using Ctx = LoweringContext;
using ir::ValueId;

// aten::batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps, cudnn_enabled)
std::vector<Binding> batchNorm(Ctx& c) {
  if (c.toBool(5)) c.unsupported("training-mode batch norm (export the model in eval mode)");
  if (c.isNone(3) || c.isNone(4)) c.unsupported("batch norm without running statistics");
  if (c.type(0).rank() < 2) c.unsupported("batch norm of a tensor without channels");
  int64_t channels = c.type(0).shape[1];
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

// A per-channel parameter [C] shaped to broadcast over [N, C, *] of `rank`.
ValueId channelwise(Ctx& c, ValueId param, int rank) {
  ir::Shape shape = c.typeOf(param).shape;
  shape.insert(shape.end(), std::max(rank - 2, 0), 1);
  return reshapeTo(c, param, shape);
}

// Group norm of input 0 [N, C, *] over `groups` groups: each group normalized as one layer-norm row
// ([N, G, C/G * spatial]), then the optional per-channel affine weight and bias at `weight` and `bias`.
ValueId groupNormalized(Ctx& c, int64_t groups, int weight, int bias, double eps) {
  const ir::Shape shape = c.type(0).shape;
  if (shape.size() < 2) c.unsupported("group norm of a tensor without channels");
  if (groups < 1 || shape[1] % groups != 0)
    c.unsupported(fmt::format("{} groups do not divide {} channels", groups, shape[1]));
  const int64_t row = c.type(0).numElements() / (shape[0] * groups);
  ValueId rows = reshapeTo(c, c.tensor(0), {shape[0], groups, row});
  ValueId normalized =
      c.emit("layer_norm", {rows}, {{"normalized_shape", std::vector<int64_t>{row}}, {"eps", eps}});
  ValueId y = reshapeTo(c, normalized, shape);
  const int rank = static_cast<int>(shape.size());
  if (!c.isNone(weight)) y = c.emit("mul", {y, channelwise(c, c.tensor(weight), rank)});
  if (!c.isNone(bias)) y = c.emit("add", {y, channelwise(c, c.tensor(bias), rank)});
  return y;
}

// aten::group_norm(input, num_groups, weight, bias, eps, cudnn_enabled)
std::vector<Binding> groupNorm(Ctx& c) {
  return one(groupNormalized(c, c.toInt(1), 2, 3, c.toDouble(4)));
}

// aten::instance_norm(input, weight, bias, running_mean, running_var, use_input_stats, momentum, eps, ...):
// with the input's statistics, group norm with one group per channel; with running statistics, batch norm
// (whose arguments sit at the same positions).
std::vector<Binding> instanceNorm(Ctx& c) {
  if (!c.toBool(5)) return batchNorm(c);
  if (c.type(0).rank() < 2) c.unsupported("instance norm of a tensor without channels");
  return one(groupNormalized(c, c.type(0).shape[1], 1, 2, c.toDouble(7)));
}

std::vector<Binding> softmax(Ctx& c) {
  if (c.numInputs() > 2 && !c.isNone(2)) c.unsupported("softmax with a dtype argument");
  return one(c.emit("softmax", {c.tensor(0)}, {{"dim", c.toInt(1)}}));
}

}  // namespace

LoweringTable normalizationLowerings() {
  return {
      {"aten::group_norm", groupNorm}, {"aten::instance_norm", instanceNorm},
      {"aten::batch_norm", batchNorm}, {"aten::layer_norm", layerNorm},
      {"aten::softmax", softmax},
  };
}

}  // namespace kiln::frontend
