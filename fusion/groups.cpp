#include "fusion/groups.h"

#include <algorithm>

namespace kiln::fusion {

Groups::Groups(const ir::Graph& graph, const ir::UseIndex& uses)
    : graph_(graph), uses_(uses), group_of_op_(graph.ops().size(), -1) {}

int Groups::create(int op) {
  members_.push_back({op});
  group_of_op_[op] = static_cast<int>(members_.size()) - 1;
  return group_of_op_[op];
}

void Groups::add(int group, int op) {
  auto& ops = members_[group];
  ops.insert(std::upper_bound(ops.begin(), ops.end(), op), op);
  group_of_op_[op] = group;
}

bool Groups::wouldCreateCycle(int group, int op) const {
  std::vector<int> merged = members_[group];
  merged.push_back(op);
  auto inMerged = [&](int o) { return o == op || group_of_op_[o] == group; };

  std::vector<bool> visited(graph_.ops().size(), false);
  std::vector<int> stack;
  auto pushUsersOf = [&](int o) {
    for (ir::ValueId out : graph_.ops()[o].outputs)
      for (int user : uses_.users[out]) stack.push_back(user);
  };
  for (int o : merged) pushUsersOf(o);
  // Leaving the merged group is the first step; everything reached from outside must stay outside.
  std::vector<int> frontier;
  for (int user : stack)
    if (!inMerged(user)) frontier.push_back(user);
  stack = std::move(frontier);
  while (!stack.empty()) {
    int o = stack.back();
    stack.pop_back();
    if (inMerged(o)) return true;
    if (visited[o]) continue;
    int g = group_of_op_[o];
    if (g < 0) {
      visited[o] = true;
      pushUsersOf(o);
      continue;
    }
    for (int member : members_[g]) {  // a block is one node: entering it reaches all of its outputs
      visited[member] = true;
      pushUsersOf(member);
    }
  }
  return false;
}

std::vector<int> Groups::finish() {
  for (size_t op = 0; op < group_of_op_.size(); ++op)
    if (group_of_op_[op] < 0) create(static_cast<int>(op));
  return group_of_op_;
}

}  // namespace kiln::fusion
