// The `dnnfusion` strategy: DNNFusion's fusion plan (Niu et al., PLDI 2021, §4.3), with kiln's cost model
// deciding the cells the paper leaves to measurement.
//
// Every op has a mapping type (how its input elements map to output elements; see ir/op_registry.h). A block
// carries the mapping type of everything fused into it so far, and fusing one more op is judged by looking up
// (producer type, consumer type) in the paper's Table 3 (mapping_table.h): fuse, break, or decide by profit.
//
//  1. Seed: among the one-to-one ops not yet in a block, take the one with the smallest output (ties: the
//     earliest). Small outputs first keep the cheap, plentiful fusions from being claimed by big blocks.
//  2. Successor walk: for each consumer of an op in the block, recursively, judge (block, consumer). A fused
//     consumer's own consumers are walked next. (kiln: a block of one-to-one ops does not take a 1x1 conv
//     whose threads would split output channels and read its operand whole; readsTheBlocksValueWhole.)
//  3. Predecessor walk: for each producer of an op in the block, recursively, judge (producer, block). A
//     block may take a producer and leave the producer's other consumers outside; the producer's value is
//     then also a block output. A costly activation of a conv no block holds yet is left to the conv's block
//     (epilogueOfUnclaimedProducer).
//  4. Repeat from the next seed until no one-to-one op is left. (kiln: a seed that is a big value's costly
//     activation of an unclaimed conv walks its predecessors first, so it becomes that conv's epilogue;
//     takesItsProducerFirst.)
//  5. kiln's second round: the ops still alone (many-to-many, reorganize, shuffle, one-to-many) seed blocks
//     the same way, smallest output first, so chains of them that pay to fuse (a classifier head: pool ->
//     flatten -> linear) do not stay apart just because no one-to-one op sits between them. What remains
//     becomes blocks of one op.
//
// Before a pair fuses, constraints are checked: the block graph must stay acyclic (groups.h), a block may
// hold at most `max_block_ops` ops, and no value inside a block may need a round trip through memory (a
// many-to-many op's big output that some reader needs whole, residency.h): "internal" must mean internal.
// "Profit" cells fuse only if the LatencyModel says the fused block runs faster than the block and the op
// apart; the recorded verdict says "measured" when all three times were measured rather than estimated.
//
// kiln's other extension, to the table: a "break" pair (one-to-many or many-to-many followed by many-to-many)
// is reconsidered as a profit cell when the intermediate would never reach memory, i.e. it has no reader
// outside the pair and either it is small enough to hold whole in cache (squeeze-excitation vectors, a pooled
// classifier input) or it is streamed: read strip by strip (a conv or pool sliding down its rows, computed
// with Halide's compute_at). The cost model then charges the halo recomputation and the lost parallelism, so
// compute-bound pairs stay apart while memory-bound ones (depthwise -> pointwise) fuse.
#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "fusion/groups.h"
#include "fusion/mapping_table.h"
#include "fusion/residency.h"
#include "fusion/strategies.h"
#include "ir/summary.h"
#include "ir/units.h"

namespace kiln::fusion {

namespace {

enum class Direction { Successor, Predecessor };

class PlanBuilder {
 public:
  PlanBuilder(const ir::Graph& graph, const PartitionOptions& options, const LatencyModel& latency)
      : graph_(graph), options_(options), latency_(latency), uses_(graph), groups_(graph, uses_) {}

  Grouping run() {
    for (bool one_to_one : {true, false})
      for (int seed : seedsInOrder(one_to_one)) {
        if (groups_.groupOf(seed) >= 0) continue;
        int group = groups_.create(seed);
        grouping_.group_mapping[group] = mappingOf(seed);
        if (takesItsProducerFirst(seed)) walkPredecessors(group);
        walkSuccessors(group, seed);
        walkPredecessors(group);
      }
    grouping_.group_of_op = groups_.finish();
    return std::move(grouping_);
  }

 private:
  // The ops not yet in a block that may seed one: one-to-one ops (the paper's seeds) or, in kiln's second
  // round, all the others; smallest output first.
  std::vector<int> seedsInOrder(bool one_to_one) const {
    std::vector<int> seeds;
    for (size_t op = 0; op < graph_.ops().size(); ++op)
      if ((mappingOf(static_cast<int>(op)) == ir::MappingType::OneToOne) == one_to_one &&
          groups_.groupOf(static_cast<int>(op)) < 0)
        seeds.push_back(static_cast<int>(op));
    std::stable_sort(seeds.begin(), seeds.end(),
                     [&](int a, int b) { return outputBytes(a) < outputBytes(b); });
    return seeds;
  }

  void walkSuccessors(int group, int op) {
    for (ir::ValueId out : graph_.ops()[op].outputs)
      for (int user : uses_.users[out]) {
        if (groups_.groupOf(user) == group) continue;
        if (groups_.groupOf(user) >= 0) {
          stop(op, user, StopKind::Claimed, "the consumer was already in another block");
          continue;
        }
        if (readsTheBlocksValueWhole(group, user)) {
          stop(
              op, user, StopKind::Rule,
              "a 1x1 conv with more weights than L2 reads its operand whole; the one-to-one ops computing it "
              "are left to their producer's block");
          continue;
        }
        if (tryFuse(group, user, Direction::Successor, op)) walkSuccessors(group, user);
      }
  }

  void walkPredecessors(int group) {
    std::vector<int> worklist = groups_.members(group);
    while (!worklist.empty()) {
      int op = worklist.back();
      worklist.pop_back();
      for (ir::ValueId in : graph_.ops()[op].inputs) {
        int producer = uses_.producer[in];
        if (producer < 0 || groups_.groupOf(producer) == group) continue;
        if (groups_.groupOf(producer) >= 0) {
          stop(producer, op, StopKind::Claimed, "the producer was already in another block");
          continue;
        }
        if (epilogueOfUnclaimedProducer(producer)) {
          stop(producer, op, StopKind::Rule,
               "a costly elementwise op on a many-to-many op's result is left to its producer's block");
          continue;
        }
        if (tryFuse(group, producer, Direction::Predecessor, op)) worklist.push_back(producer);
      }
    }
  }

  // kiln's rule for the predecessor walk: a costly one-to-one op (residency.h) on the result of a
  // many-to-many op that no block holds yet, and that only it reads (a conv's silu), is left for the block
  // that producer will be in, where it runs once per element on the sums in registers. Taken into the
  // reader's block it would run at every read of the block's input: a squeeze-excitation's global pool and
  // gate both read it. EfficientNet-B0 (2 threads, 12 alternating profiles): the sum of per-block p10s 0.34
  // ms lower, the median of the pairs (they ranged from -1.5 to +1.8 ms on a noisy VM); squeeze-excitation
  // blocks that no longer compute the silu went 0.42 -> 0.27, 0.30 -> 0.19 and 0.11 -> 0.05 ms, the convs
  // that took it on 0.05 ms slower. Cheap ops (relu6, residual adds) stay where the walk puts them:
  // MobileNetV2's plan changed with them and measured no better.
  bool epilogueOfUnclaimedProducer(int op) const {
    if (mappingOf(op) != ir::MappingType::OneToOne || !isCostlyElementwise(graph_, graph_.ops()[op]))
      return false;
    return std::any_of(graph_.ops()[op].inputs.begin(), graph_.ops()[op].inputs.end(), [&](ir::ValueId in) {
      const int producer = uses_.producer[in];
      return producer >= 0 && groups_.groupOf(producer) < 0 &&
             mappingOf(producer) == ir::MappingType::ManyToMany && uses_.users[in].size() == 1;
    });
  }

  // kiln's rule for seeds: a costly activation of a conv no block holds yet (epilogueOfUnclaimedProducer),
  // too big to stay whole in cache, takes its conv first, as the conv's epilogue, before walking on to its
  // readers. EfficientNet's expand silu seeded before the depthwise conv's (same size, earlier), took the
  // depthwise conv and left the expand conv alone, in a block that recomputed the silu for every strip's
  // halo (7x7: 104 us against 92 apart). EfficientNet-B0, 2 threads, 5 alternating profiles: sum of the
  // per-block p10s lower in 4 (0.97-1.46 ms), equal in 1. Squeeze-excitation's tiny activations keep the
  // paper's order.
  bool takesItsProducerFirst(int seed) const {
    return outputBytes(seed) > options_.machine.stage_bytes && epilogueOfUnclaimedProducer(seed);
  }

  // kiln's rule for the successor walk: a block of one-to-one ops does not take a 1x1 conv with more weights
  // than a core's L2. That conv's threads split its output channels and each reads the whole operand, so
  // the block would compute the ops' value whole, in a pass of its own before the conv (codegen's
  // channelSplitWeights): the same round trip through memory as a block boundary, plus a parallel pass. Left
  // out, the ops become their producer's epilogue. AMD Zen 4, 2 threads, 4 alternating profiles:
  // MobileNetV2's depthwise, then relu6 + 1x1 960 -> 320 at 7x7 (1.2 MB of weights), 104.6-106.6 us; its
  // depthwise + relu6, then the conv, 97.8-103.2 us. ResNet-50's layer4, whose relus no longer join the
  // 2048 -> 512 convs: 0.98-1.00 of before.
  bool readsTheBlocksValueWhole(int group, int consumer) const {
    const ir::Op& op = graph_.ops()[consumer];
    if (grouping_.group_mapping.at(group) != ir::MappingType::OneToOne || op.kind != "conv2d") return false;
    const ir::TensorType& weights = graph_.type(op.inputs.at(1));
    const bool pointwise = weights.shape.size() == 4 && weights.shape[2] == 1 && weights.shape[3] == 1;
    return pointwise && weights.bytes() > options_.machine.l2_bytes;
  }

  int64_t outputBytes(int op) const {
    int64_t bytes = 0;
    for (ir::ValueId out : graph_.ops()[op].outputs) bytes += graph_.type(out).bytes();
    return bytes;
  }

  // Judges adding `candidate` to `group` across the edge between `candidate` and `anchor` (a member).
  bool tryFuse(int group, int candidate, Direction direction, int anchor) {
    bool successor = direction == Direction::Successor;
    int producer = successor ? anchor : candidate, consumer = successor ? candidate : anchor;
    ir::MappingType group_type = grouping_.group_mapping.at(group);
    ir::MappingType first = successor ? group_type : mappingOf(candidate);
    ir::MappingType second = successor ? mappingOf(candidate) : group_type;
    PairRule rule = lookupPair(first, second);
    std::string pair = fmt::format("{}{} -> {}{}", successor ? "block " : "", shortMappingName(first),
                                   successor ? "" : "block ", shortMappingName(second));
    std::vector<int> fused = groups_.members(group);
    fused.insert(std::upper_bound(fused.begin(), fused.end(), candidate), candidate);
    const ResidencyMap residency = classifyInternals(graph_, uses_, fused, options_.machine).where;

    std::string cell = rule.verdict == PairVerdict::Profit ? "profit cell" : "fuse cell";
    if (rule.verdict == PairVerdict::Break) {
      Reconsideration r = reconsiderBreak(group, candidate, direction, residency);
      if (!r.fuse)
        return stop(producer, consumer, StopKind::Rule,
                    fmt::format("{}: break in the mapping table, and {}", pair, r.why));
      cell = "break cell reconsidered: " + r.why;
    }
    if (static_cast<int>(fused.size()) > options_.max_block_ops)
      return stop(
          producer, consumer, StopKind::Constraint,
          fmt::format("{}: the block already has the maximum of {} ops", pair, options_.max_block_ops));
    for (auto& [value, where] : residency)
      if (where == Residency::Materialized)
        return stop(
            producer, consumer, StopKind::Constraint,
            fmt::format("{}: %{} ({}) would have to be written to memory whole inside the block, since a "
                        "reader needs all of it",
                        pair, graph_.value(value).name, binaryBytes(graph_.type(value).bytes())));
    if (groups_.wouldCreateCycle(group, candidate))
      return stop(producer, consumer, StopKind::Constraint,
                  fmt::format("{}: fusing would create a cycle between blocks", pair));
    if (rule.verdict != PairVerdict::Fuse) {
      const BlockLatency block = latency_.blockLatency(graph_, uses_, groups_.members(group));
      const BlockLatency op = latency_.blockLatency(graph_, uses_, {candidate});
      const BlockLatency together = latency_.blockLatency(graph_, uses_, fused);
      const double apart = block.seconds + op.seconds;
      const bool measured = block.measured && op.measured && together.measured;
      std::string verdict = fmt::format("{}: {}; {}{:.1f} us fused vs {:.1f} us apart", pair, cell,
                                        measured ? "measured " : "", together.seconds * 1e6, apart * 1e6);
      if (together.seconds >= apart) return stop(producer, consumer, StopKind::Cost, verdict);
      grouping_.notes.push_back({producer, consumer, verdict});
    }
    groups_.add(group, candidate);
    grouping_.group_mapping[group] = rule.fused;
    return true;
  }

  struct Reconsideration {
    bool fuse;
    std::string why;
  };

  // A break pair may still fuse when every value between the two sides stays off memory in the fused block:
  // nobody outside reads it, and it is small enough to cache or read strip by strip (residency.h).
  Reconsideration reconsiderBreak(int group, int candidate, Direction direction,
                                  const std::map<ir::ValueId, Residency>& residency) const {
    std::vector<std::string> reasons;
    for (int member : groups_.members(group)) {
      int producer = direction == Direction::Successor ? member : candidate;
      int consumer = direction == Direction::Successor ? candidate : member;
      for (ir::ValueId in : graph_.ops()[consumer].inputs) {
        if (uses_.producer[in] != producer) continue;
        std::string value =
            fmt::format("%{} ({})", graph_.value(in).name, binaryBytes(graph_.type(in).bytes()));
        auto where = residency.find(in);
        if (where == residency.end())
          return {false, value + " is also read outside the pair, so it is written to memory anyway"};
        if (where->second != Residency::Cached && where->second != Residency::Streamed)
          return {false, fmt::format("{} is larger than the {} cache budget and a reader needs it whole",
                                     value, binaryBytes(options_.machine.stage_bytes))};
        reasons.push_back(fmt::format("{} is {}", value, residencyName(where->second)));
      }
    }
    return {!reasons.empty(), fmt::format("{}", fmt::join(reasons, ", "))};
  }

  bool stop(int producer, int consumer, StopKind kind, std::string reason) {
    grouping_.stops.emplace(OpEdge{producer, consumer}, Stop{kind, std::move(reason)});
    return false;
  }

  ir::MappingType mappingOf(int op) const { return ir::mappingOf(graph_, graph_.ops()[op]); }

  const ir::Graph& graph_;
  const PartitionOptions& options_;
  const LatencyModel& latency_;
  ir::UseIndex uses_;
  Groups groups_;
  Grouping grouping_;
};

}  // namespace

Plan partitionDnnFusion(const ir::Graph& graph, const PartitionOptions& options,
                        const LatencyModel& latency) {
  return buildPlan(graph, "dnnfusion", PlanBuilder(graph, options, latency).run(), options.machine);
}

}  // namespace kiln::fusion
