#include "fusion/plan.h"

#include <algorithm>
#include <map>
#include <queue>
#include <set>

#include <fmt/format.h>

#include "ir/error.h"
#include "ir/summary.h"

namespace kiln::fusion {

const char* stopKindName(StopKind kind) {
  switch (kind) {
    case StopKind::Strategy:
      return "strategy";
    case StopKind::Rule:
      return "rule";
    case StopKind::Constraint:
      return "constraint";
    case StopKind::Cost:
      return "cost";
    case StopKind::Claimed:
      return "claimed";
  }
  return "?";
}

namespace {

// Groups renumbered 0..n-1 in a valid execution order: Kahn's algorithm over the group graph, always taking
// the ready group whose first op comes earliest, so the order is deterministic and close to the graph's.
std::vector<std::vector<int>> orderGroups(const ir::Graph& graph, const ir::UseIndex& uses,
                                          const Grouping& grouping, const std::string& strategy) {
  std::map<int, std::vector<int>> members;
  for (size_t op = 0; op < graph.ops().size(); ++op) members[grouping.group_of_op[op]].push_back(op);
  std::vector<std::vector<int>> groups;
  std::map<int, int> dense;
  for (auto& [id, ops] : members) {
    dense[id] = static_cast<int>(groups.size());
    groups.push_back(ops);
  }
  std::vector<std::set<int>> successors(groups.size());
  std::vector<int> pending(groups.size(), 0);
  for (size_t op = 0; op < graph.ops().size(); ++op)
    for (ir::ValueId in : graph.ops()[op].inputs) {
      int producer = uses.producer[in];
      if (producer < 0) continue;
      int from = dense[grouping.group_of_op[producer]], to = dense[grouping.group_of_op[op]];
      if (from != to && successors[from].insert(to).second) ++pending[to];
    }
  auto later = [&](int a, int b) { return groups[a].front() > groups[b].front(); };
  std::priority_queue<int, std::vector<int>, decltype(later)> ready(later);
  for (size_t g = 0; g < groups.size(); ++g)
    if (pending[g] == 0) ready.push(static_cast<int>(g));
  std::vector<std::vector<int>> ordered;
  while (!ready.empty()) {
    int g = ready.top();
    ready.pop();
    ordered.push_back(groups[g]);
    for (int next : successors[g])
      if (--pending[next] == 0) ready.push(next);
  }
  if (ordered.size() != groups.size())
    fail("internal error: the '{}' strategy formed blocks that depend on each other in a cycle", strategy);
  return ordered;
}

ir::MappingType mostComplexOf(const ir::Graph& graph, const std::vector<int>& ops) {
  ir::MappingType type = ir::MappingType::OneToOne;
  for (int op : ops) type = ir::mostComplex(type, ir::mappingOf(graph, graph.ops()[op]));
  return type;
}

}  // namespace

Plan buildPlan(const ir::Graph& graph, std::string strategy, const Grouping& grouping,
               const Machine& machine) {
  if (grouping.group_of_op.size() != graph.ops().size())
    fail("internal error: the '{}' strategy grouped {} of {} ops", strategy, grouping.group_of_op.size(),
         graph.ops().size());
  ir::UseIndex uses(graph);
  Plan plan{.strategy = std::move(strategy), .blocks = {}, .block_of_op = {}, .boundaries = {}};
  plan.block_of_op.assign(graph.ops().size(), -1);
  for (auto& ops : orderGroups(graph, uses, grouping, plan.strategy)) {
    Block block;
    block.id = static_cast<int>(plan.blocks.size());
    int group = grouping.group_of_op[ops.front()];
    auto mapping = grouping.group_mapping.find(group);
    block.mapping = mapping != grouping.group_mapping.end() ? mapping->second : mostComplexOf(graph, ops);
    block.footprint = measureBlock(graph, uses, ops);
    block.residency = classifyInternals(graph, uses, ops, machine);
    block.strip_rows = RooflineModel(machine).estimate(graph, uses, ops).strip_rows;
    for (int op : ops) plan.block_of_op[op] = block.id;
    block.ops = std::move(ops);
    plan.blocks.push_back(std::move(block));
  }
  for (const FusionNote& note : grouping.notes)
    plan.blocks[plan.block_of_op[note.consumer_op]].notes.push_back(note.reason);
  for (size_t op = 0; op < graph.ops().size(); ++op) {
    std::set<ir::ValueId> seen;
    for (ir::ValueId in : graph.ops()[op].inputs) {
      int producer = uses.producer[in];
      if (producer < 0 || plan.block_of_op[producer] == plan.block_of_op[op] || !seen.insert(in).second)
        continue;
      auto stop = grouping.stops.find({producer, static_cast<int>(op)});
      plan.boundaries.push_back(
          {in, producer, static_cast<int>(op), plan.block_of_op[producer], plan.block_of_op[op],
           stop != grouping.stops.end() ? stop->second
                                        : Stop{StopKind::Claimed, "no fusion walk examined this edge"}});
    }
  }
  return plan;
}

std::vector<std::string> checkPlan(const ir::Graph& graph, const Plan& plan) {
  std::vector<std::string> problems;
  ir::UseIndex uses(graph);
  std::vector<int> seen(graph.ops().size(), 0);
  for (const Block& block : plan.blocks) {
    if (block.ops.empty()) problems.push_back(fmt::format("block {} is empty", block.id));
    if (!std::is_sorted(block.ops.begin(), block.ops.end()))
      problems.push_back(fmt::format("block {} lists its ops out of graph order", block.id));
    for (int op : block.ops) {
      ++seen[op];
      if (plan.block_of_op[op] != block.id)
        problems.push_back(
            fmt::format("op {} is in block {} but block_of_op says {}", op, block.id, plan.block_of_op[op]));
      for (ir::ValueId in : graph.ops()[op].inputs) {
        int producer = uses.producer[in];
        if (producer >= 0 && plan.block_of_op[producer] > block.id)
          problems.push_back(fmt::format("block {} reads %{} before block {} computes it", block.id,
                                         graph.value(in).name, plan.block_of_op[producer]));
      }
    }
    Footprint expected = measureBlock(graph, uses, block.ops);
    if (expected.inputs != block.footprint.inputs || expected.outputs != block.footprint.outputs ||
        expected.weights != block.footprint.weights || expected.internals != block.footprint.internals)
      problems.push_back(
          fmt::format("block {} records the wrong inputs, outputs or internal values", block.id));
  }
  for (size_t op = 0; op < graph.ops().size(); ++op)
    if (seen[op] != 1) problems.push_back(fmt::format("op {} is in {} blocks", op, seen[op]));
  return problems;
}

MemoryNeed memoryNeed(const ir::Graph& graph, const Plan& plan) {
  MemoryNeed need;
  std::set<ir::ValueId> weights;
  for (const Block& block : plan.blocks)
    weights.insert(block.footprint.weights.begin(), block.footprint.weights.end());
  for (ir::ValueId id : weights) need.weight_bytes += graph.value(id).type.bytes();
  const std::set<ir::ValueId> outputs(graph.outputs().begin(), graph.outputs().end());
  std::map<ir::ValueId, std::pair<int, int>> alive;  // first and last block
  for (const Boundary& boundary : plan.boundaries) {
    if (outputs.count(boundary.value)) continue;
    auto [it, inserted] = alive.try_emplace(boundary.value, boundary.from_block, boundary.to_block);
    if (!inserted) it->second.second = std::max(it->second.second, boundary.to_block);
  }
  for (int b = 0; b < static_cast<int>(plan.blocks.size()); ++b) {
    int64_t bytes = 0;
    for (const auto& [id, blocks] : alive)
      if (blocks.first <= b && b <= blocks.second) bytes += graph.value(id).type.bytes();
    need.peak_activation_bytes = std::max(need.peak_activation_bytes, bytes);
  }
  return need;
}

}  // namespace kiln::fusion
