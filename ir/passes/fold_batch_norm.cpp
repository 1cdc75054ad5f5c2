// Batch-norm folding: conv2d followed by inference batch_norm is one conv2d.
//
//   scale[c] = weight[c] / sqrt(running_var[c] + eps)
//   W'[c,...] = W[c,...] * scale[c]
//   b'[c]     = (b[c] - running_mean[c]) * scale[c] + bias[c]      (b = 0 when the conv has no bias)
//
// Folds only when every parameter is a constant and the batch norm is the conv output's only reader.
#include <cmath>

#include "ir/passes/passes.h"

namespace kiln::ir {

namespace {

bool allConstant(const Graph& graph, const std::vector<ValueId>& ids) {
  for (ValueId id : ids)
    if (!graph.isConstant(id)) return false;
  return true;
}

// Rewrites `conv` in place to compute conv followed by `bn`.
void foldInto(Graph& graph, Op& conv, const Op& bn) {
  auto gamma = graph.constant(bn.inputs[1]).f32(), beta = graph.constant(bn.inputs[2]).f32();
  auto mean = graph.constant(bn.inputs[3]).f32(), var = graph.constant(bn.inputs[4]).f32();
  double eps = bn.attrs.getFloat("eps");
  const Tensor& weight = graph.constant(conv.inputs[1]);
  int64_t channels = weight.shape()[0], per_channel = weight.numElements() / channels;

  std::vector<float> w(weight.f32().begin(), weight.f32().end()), b(channels, 0.0f);
  if (conv.inputs.size() == 3) {
    auto bias = graph.constant(conv.inputs[2]).f32();
    b.assign(bias.begin(), bias.end());
  }
  for (int64_t c = 0; c < channels; ++c) {
    double scale = gamma[c] / std::sqrt(static_cast<double>(var[c]) + eps);
    for (int64_t k = 0; k < per_channel; ++k)
      w[c * per_channel + k] = static_cast<float>(w[c * per_channel + k] * scale);
    b[c] = static_cast<float>((b[c] - mean[c]) * scale + beta[c]);
  }
  std::string base = graph.value(conv.inputs[1]).name;
  ValueId new_weight = graph.addConstant(base + ".bn_folded", Tensor(weight.shape(), std::move(w)));
  ValueId new_bias = graph.addConstant(base + ".bn_folded_bias", Tensor({channels}, std::move(b)));
  conv.inputs = {conv.inputs[0], new_weight, new_bias};
}

}  // namespace

int foldBatchNorm(Graph& graph) {
  UseIndex uses(graph);
  std::vector<Op> ops = graph.ops();
  std::vector<bool> folded(ops.size(), false);
  std::vector<std::pair<ValueId, ValueId>> forwards;
  for (size_t i = 0; i < ops.size(); ++i) {
    const Op& bn = ops[i];
    if (bn.kind != "batch_norm") continue;
    ValueId x = bn.inputs[0];
    int producer = uses.producer[x];
    if (producer < 0 || ops[producer].kind != "conv2d") continue;
    Op& conv = ops[producer];
    bool sole_reader = uses.users[x].size() == 1 && !uses.is_graph_output[x];
    std::vector<ValueId> params(bn.inputs.begin() + 1, bn.inputs.end());
    params.insert(params.end(), conv.inputs.begin() + 1, conv.inputs.end());
    if (!sole_reader || !allConstant(graph, params)) continue;
    foldInto(graph, conv, bn);
    folded[i] = true;
    forwards.emplace_back(bn.outputs[0], x);
  }
  std::vector<Op> kept;
  for (size_t i = 0; i < ops.size(); ++i)
    if (!folded[i]) kept.push_back(std::move(ops[i]));
  graph.setOps(std::move(kept));
  for (auto [from, to] : forwards) graph.replaceAllUses(from, to);
  return static_cast<int>(forwards.size());
}

}  // namespace kiln::ir
