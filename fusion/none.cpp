// The `none` strategy: every op is its own block. The reference for every "reduction" metric.
#include <numeric>

#include "fusion/strategies.h"

namespace kiln::fusion {

Plan partitionNone(const ir::Graph& graph, const PartitionOptions& options) {
  Grouping grouping;
  grouping.group_of_op.resize(graph.ops().size());
  std::iota(grouping.group_of_op.begin(), grouping.group_of_op.end(), 0);
  ir::UseIndex uses(graph);
  for (size_t op = 0; op < graph.ops().size(); ++op)
    for (ir::ValueId in : graph.ops()[op].inputs)
      if (uses.producer[in] >= 0)
        grouping.stops[{uses.producer[in], static_cast<int>(op)}] = {StopKind::Strategy,
                                                                     "strategy 'none' fuses nothing"};
  return buildPlan(graph, "none", grouping, options.machine);
}

}  // namespace kiln::fusion
