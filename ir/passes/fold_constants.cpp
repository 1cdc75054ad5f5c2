// Constant folding: an op whose inputs are all constants, and whose kind has a fold evaluator in the
// registry, is evaluated at compile time and replaced by constants. Folding runs in op order, so chains fold
// completely.
#include "ir/passes/passes.h"

namespace kiln::ir {

int foldConstants(Graph& graph) {
  std::vector<Op> kept;
  int folded = 0;
  for (size_t i = 0; i < graph.ops().size(); ++i) {
    Op op = graph.ops()[i];
    const OpDef& def = OpRegistry::global().get(op.kind);
    bool foldable = def.fold && !op.inputs.empty();
    for (ValueId in : op.inputs) foldable = foldable && graph.isConstant(in);
    if (!foldable) {
      kept.push_back(std::move(op));
      continue;
    }
    std::vector<Tensor> inputs;
    for (ValueId in : op.inputs) inputs.push_back(graph.constant(in));
    std::vector<Tensor> results = def.fold(inputs, op.attrs);
    for (size_t k = 0; k < op.outputs.size(); ++k)
      graph.replaceAllUses(op.outputs[k],
                           graph.addConstant(graph.value(op.outputs[k]).name, std::move(results[k])));
    ++folded;
  }
  graph.setOps(std::move(kept));
  return folded;
}

}  // namespace kiln::ir
