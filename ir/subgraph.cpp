#include "ir/subgraph.h"

#include <algorithm>
#include <map>
#include <set>

#include "ir/error.h"

namespace kiln::ir {

Graph extractOps(const Graph& graph, const UseIndex& uses, const std::vector<int>& ops) {
  const int op_count = static_cast<int>(graph.ops().size());
  for (size_t k = 0; k < ops.size(); ++k)
    if (ops[k] < 0 || ops[k] >= op_count || (k > 0 && ops[k] <= ops[k - 1]))
      fail("extractOps: op indices must be increasing and below {}", op_count);
  const std::set<int> inside(ops.begin(), ops.end());

  Graph block("block");
  std::map<ValueId, ValueId> renamed;  // graph value -> block value
  const auto operand = [&](ValueId value) {
    if (auto found = renamed.find(value); found != renamed.end()) return found->second;
    if (inside.count(uses.producer[value])) fail("extractOps: %{} is read before it is defined", value);
    const ValueId mapped =
        graph.isConstant(value)
            ? block.addConstant(fmt::format("w{}", block.constants().size()), graph.constant(value))
            : block.addInput(fmt::format("in{}", block.inputs().size()), graph.type(value));
    renamed.emplace(value, mapped);
    return mapped;
  };

  std::vector<ValueId> outputs;
  for (int index : ops) {
    const Op& op = graph.ops()[index];
    std::vector<ValueId> inputs;
    for (ValueId in : op.inputs) inputs.push_back(operand(in));
    const std::vector<ValueId> results = block.addOp(op.kind, inputs, op.attrs);
    for (size_t k = 0; k < results.size(); ++k) {
      const ValueId value = op.outputs[k];
      renamed.emplace(value, results[k]);
      const auto& readers = uses.users[value];
      if (uses.is_graph_output[value] ||
          std::any_of(readers.begin(), readers.end(), [&](int user) { return !inside.count(user); }))
        outputs.push_back(results[k]);
    }
  }
  block.setOutputs(outputs);
  return block;
}

}  // namespace kiln::ir
