// The `pattern` strategy: the seed tool's partitioner, kept as the baseline kiln's plan must beat.
//
// It grows greedy forward chains. Starting from the first op not yet in a block, it appends the op's consumer
// while (a) the producer has exactly one consumer and is not a graph output (no fork), (b) the consumer reads
// no other activation (no join) and (c) the (producer kind, consumer kind) pair is on the allowed list. The
// one exception to (b) is the squeeze-excitation gate: sigmoid -> mul may enter the join.
//
// The list is the seed's (shared/seeds/000_*.txt and its tool), with kiln's kind names: ReLU6 is hardtanh,
// BatchNorm2d is batch_norm (absent after the canonical passes fold it into the conv), Dropout is dropout
// (removed by the passes).
#include <set>
#include <utility>

#include <fmt/format.h>

#include "fusion/groups.h"
#include "fusion/strategies.h"

namespace kiln::fusion {

namespace {

using KindPair = std::pair<std::string, std::string>;

const std::set<KindPair>& allowedPairs() {
  static const std::set<KindPair> pairs = {
      // The seed's first patterns: conv / linear / batch norm / residual add followed by an activation.
      {"conv2d", "batch_norm"},
      {"conv2d", "relu"},
      {"conv2d", "hardtanh"},
      {"batch_norm", "relu"},
      {"batch_norm", "hardtanh"},
      {"linear", "relu"},
      {"linear", "hardtanh"},
      {"add", "relu"},
      {"add", "hardtanh"},
      {"conv2d", "gelu"},
      {"linear", "gelu"},
      // Its EfficientNet extension: SiLU activations and the squeeze-excitation chain.
      {"conv2d", "silu"},
      {"batch_norm", "silu"},
      {"linear", "silu"},
      {"add", "silu"},
      {"silu", "dropout"},
      {"adaptive_avg_pool2d", "conv2d"},
      {"silu", "conv2d"},
      {"conv2d", "sigmoid"},
      {"sigmoid", "mul"}};
  return pairs;
}

bool mayEnterJoin(const ir::Op& producer, const ir::Op& consumer) {
  return producer.kind == "sigmoid" && consumer.kind == "mul";
}

int activationInputs(const ir::Graph& graph, const ir::Op& op) {
  std::set<ir::ValueId> activations;
  for (ir::ValueId in : op.inputs)
    if (!graph.isConstant(in)) activations.insert(in);
  return static_cast<int>(activations.size());
}

class ChainBuilder {
 public:
  ChainBuilder(const ir::Graph& graph, const PartitionOptions& options)
      : graph_(graph), options_(options), uses_(graph), groups_(graph, uses_) {}

  Grouping run() {
    for (size_t op = 0; op < graph_.ops().size(); ++op)
      if (groups_.groupOf(static_cast<int>(op)) < 0) grow(groups_.create(static_cast<int>(op)), op);
    for (size_t op = 0; op < graph_.ops().size(); ++op)  // edges no chain examined: joins entered from aside
      for (ir::ValueId in : graph_.ops()[op].inputs)
        if (int producer = uses_.producer[in]; producer >= 0)
          grouping_.stops.emplace(OpEdge{producer, static_cast<int>(op)},
                                  Stop{StopKind::Rule, "chains only grow forward from their first op"});
    grouping_.group_of_op = groups_.finish();
    return std::move(grouping_);
  }

 private:
  void grow(int group, int current) {
    while (true) {
      const ir::Op& op = graph_.ops()[current];
      std::vector<std::pair<ir::ValueId, int>> consumers;
      bool returned = false;
      for (ir::ValueId out : op.outputs) {
        returned = returned || uses_.is_graph_output[out];
        for (int user : uses_.users[out]) consumers.emplace_back(out, user);
      }
      if (consumers.size() != 1 || returned) {
        for (auto& [value, user] : consumers)
          stop(current, user, StopKind::Rule,
               fmt::format("fork: %{} has {} consumers{}", graph_.value(value).name, consumers.size(),
                           returned ? " and is a graph output" : ""));
        return;
      }
      int next = consumers.front().second;
      const ir::Op& consumer = graph_.ops()[next];
      if (groups_.groupOf(next) >= 0)
        return stop(current, next, StopKind::Claimed, "the consumer already heads a chain of its own");
      if (!allowedPairs().count({op.kind, consumer.kind}))
        return stop(current, next, StopKind::Rule,
                    fmt::format("({}, {}) is not an allowed pair", op.kind, consumer.kind));
      if (activationInputs(graph_, consumer) > 1 && !mayEnterJoin(op, consumer))
        return stop(
            current, next, StopKind::Rule,
            fmt::format("join: {} reads {} activations", consumer.kind, activationInputs(graph_, consumer)));
      if (static_cast<int>(groups_.members(group).size()) >= options_.max_block_ops)
        return stop(current, next, StopKind::Constraint,
                    fmt::format("block size cap of {} ops", options_.max_block_ops));
      if (groups_.wouldCreateCycle(group, next))
        return stop(current, next, StopKind::Constraint, "fusing would create a cycle between blocks");
      groups_.add(group, next);
      current = next;
    }
  }

  void stop(int producer, int consumer, StopKind kind, std::string reason) {
    grouping_.stops.emplace(OpEdge{producer, consumer}, Stop{kind, std::move(reason)});
  }

  const ir::Graph& graph_;
  const PartitionOptions& options_;
  ir::UseIndex uses_;
  Groups groups_;
  Grouping grouping_;
};

}  // namespace

Plan partitionPattern(const ir::Graph& graph, const PartitionOptions& options) {
  return buildPlan(graph, "pattern", ChainBuilder(graph, options).run(), options.machine);
}

}  // namespace kiln::fusion
