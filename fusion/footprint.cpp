#include "fusion/footprint.h"

#include <algorithm>

namespace kiln::fusion {

namespace {

int64_t bytesOf(const ir::Graph& graph, ir::ValueId id) {
  return graph.type(id).bytes();
}

void addOnce(std::vector<ir::ValueId>& list, ir::ValueId id) {
  if (std::find(list.begin(), list.end(), id) == list.end()) list.push_back(id);
}

}  // namespace

Footprint measureBlock(const ir::Graph& graph, const ir::UseIndex& uses, const std::vector<int>& ops,
                       const std::vector<bool>& in_block) {
  Footprint f;
  for (int index : ops) {
    const ir::Op& op = graph.ops()[index];
    f.flops += ir::opCost(graph, op).flops;
    for (ir::ValueId in : op.inputs) {
      int producer = uses.producer[in];
      if (producer >= 0 && in_block[producer]) continue;
      addOnce(graph.isConstant(in) ? f.weights : f.inputs, in);
    }
    for (ir::ValueId out : op.outputs) {
      bool escapes = uses.is_graph_output[out] || std::any_of(uses.users[out].begin(), uses.users[out].end(),
                                                              [&](int user) { return !in_block[user]; });
      (escapes ? f.outputs : f.internals).push_back(out);
    }
  }
  for (ir::ValueId id : f.inputs) f.input_bytes += bytesOf(graph, id);
  for (ir::ValueId id : f.weights) f.weight_bytes += bytesOf(graph, id);
  for (ir::ValueId id : f.outputs) f.output_bytes += bytesOf(graph, id);
  for (ir::ValueId id : f.internals) f.internal_bytes += bytesOf(graph, id);
  return f;
}

Footprint measureBlock(const ir::Graph& graph, const ir::UseIndex& uses, const std::vector<int>& ops) {
  std::vector<bool> in_block(graph.ops().size(), false);
  for (int index : ops) in_block[index] = true;
  return measureBlock(graph, uses, ops, in_block);
}

}  // namespace kiln::fusion
