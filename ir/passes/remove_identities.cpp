// Identity removal: `identity` and inference-mode `dropout` forward their input unchanged.
#include "ir/passes/passes.h"

namespace kiln::ir {

int removeIdentities(Graph& graph) {
  std::vector<Op> kept;
  // Forwarding happens in op order, so a chain of identities collapses onto its first input.
  for (size_t i = 0; i < graph.ops().size(); ++i) {
    const Op& op = graph.ops()[i];
    if (op.kind == "identity" || op.kind == "dropout")
      graph.replaceAllUses(op.outputs[0], op.inputs[0]);
    else
      kept.push_back(op);
  }
  int removed = static_cast<int>(graph.ops().size() - kept.size());
  graph.setOps(std::move(kept));
  return removed;
}

}  // namespace kiln::ir
