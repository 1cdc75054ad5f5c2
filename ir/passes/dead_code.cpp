// Dead-code elimination: marks values live backwards from the graph outputs, drops ops with no live output
// and constants nothing reads.
#include <vector>

#include "ir/passes/passes.h"

namespace kiln::ir {

int eliminateDeadCode(Graph& graph) {
  std::vector<bool> live(graph.numValues(), false);
  for (ValueId out : graph.outputs()) live[out] = true;
  const std::vector<Op>& ops = graph.ops();
  std::vector<bool> keep(ops.size(), false);
  for (int i = static_cast<int>(ops.size()) - 1; i >= 0; --i) {
    for (ValueId out : ops[i].outputs) keep[i] = keep[i] || live[out];
    if (keep[i])
      for (ValueId in : ops[i].inputs) live[in] = true;
  }
  std::vector<Op> kept;
  for (size_t i = 0; i < ops.size(); ++i)
    if (keep[i]) kept.push_back(ops[i]);
  int removed = static_cast<int>(ops.size() - kept.size());
  graph.setOps(std::move(kept));

  std::vector<ValueId> dead_constants;
  for (const auto& [id, tensor] : graph.constants())
    if (!live[id]) dead_constants.push_back(id);
  for (ValueId id : dead_constants) graph.removeConstant(id);
  return removed;
}

}  // namespace kiln::ir
