// The groups a fusing strategy has formed so far, and the question every strategy must ask before it adds an
// op to a group: would the block graph stay acyclic?
//
// Merging can create a cycle even when every op-level path is fine: a path may leave the group, pass through
// another block (entering at one op and leaving at another) and come back. So the check walks the graph with
// each existing group collapsed to one node, and each op not yet grouped as a node of its own.
#pragma once

#include <vector>

#include "fusion/plan.h"
#include "ir/graph.h"

namespace kiln::fusion {

class Groups {
 public:
  Groups(const ir::Graph& graph, const ir::UseIndex& uses);

  int groupOf(int op) const { return group_of_op_[op]; }
  const std::vector<int>& members(int group) const { return members_[group]; }
  int create(int op);
  void add(int group, int op);
  // True if adding `op` to `group` would create a path that leaves the group and re-enters it.
  bool wouldCreateCycle(int group, int op) const;
  // Ops still ungrouped become groups of their own; returns the op -> group assignment.
  std::vector<int> finish();

 private:
  const ir::Graph& graph_;
  const ir::UseIndex& uses_;
  std::vector<int> group_of_op_;
  std::vector<std::vector<int>> members_;
};

}  // namespace kiln::fusion
