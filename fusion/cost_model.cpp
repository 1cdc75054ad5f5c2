#include "fusion/cost_model.h"

#include <algorithm>
#include <limits>
#include <map>

#include <fmt/format.h>

#include "fusion/footprint.h"
#include "fusion/residency.h"
#include "ir/summary.h"

namespace kiln::fusion {

bool readsRowLocally(const ir::Graph& graph, const ir::Op& consumer, ir::ValueId value,
                     ir::RowWindow* window) {
  ir::MappingType mapping = ir::mappingOf(graph, consumer);
  if (mapping == ir::MappingType::OneToOne || mapping == ir::MappingType::OneToMany) {
    *window = {1, 1};
    return true;
  }
  const ir::OpDef& def = ir::OpRegistry::global().get(consumer.kind);
  bool only_input0 = consumer.inputs.at(0) == value &&
                     std::count(consumer.inputs.begin(), consumer.inputs.end(), value) == 1;
  if (!def.row_window || !only_input0) return false;
  auto inputs = ir::inputTypes(graph, consumer);
  *window = def.row_window(ir::OpSignature{inputs, consumer.attrs});
  return true;
}

namespace {

// How one op of a block is computed when the block runs in strips of its output's rows: the rows of its
// output each strip computes, how many strips, and how often each element of its output gets computed.
struct Tiling {
  int64_t rows = 0;    // 0: computed whole (not inside strips)
  int64_t strips = 0;  // 0: not computed inside another op's strips
  double factor = 1.0;
  bool windowed = false;  // computed per strip for a window reader (directly or through other ops)
};

bool isManyToMany(const ir::Graph& graph, const ir::Op& op) {
  return ir::mappingOf(graph, op) == ir::MappingType::ManyToMany;
}

// Batch and rows of a rank-4 value; {0, 0} for any other.
std::pair<int64_t, int64_t> batchAndRows(const ir::Graph& graph, ir::ValueId value) {
  const ir::Shape& shape = graph.type(value).shape;
  if (shape.size() != 4) return {0, 0};
  return {shape[0], shape[2]};
}

}  // namespace

// What the estimate needs of a block whatever its strip height.
struct RooflineModel::BlockFacts {
  const std::vector<int>& ops;
  Footprint footprint;
  Residencies residency;
  bool windows_streamed = false;  // some streamed value is read through a window: the strip height matters
  int64_t tallest_rows = 0;       // rows of the tallest rank-4 op computed whole
};

RooflineEstimate RooflineModel::estimate(const ir::Graph& graph, const ir::UseIndex& uses,
                                         const std::vector<int>& ops) const {
  std::vector<bool> in_block(graph.ops().size(), false);
  for (int op : ops) in_block[op] = true;
  BlockFacts block{ops, measureBlock(graph, uses, ops, in_block),
                   classifyInternals(graph, uses, ops, machine_)};
  for (int op : ops) {
    for (ir::ValueId out : graph.ops()[op].outputs) {
      auto r = block.residency.where.find(out);
      if (r == block.residency.where.end()) {
        block.tallest_rows = std::max(block.tallest_rows, batchAndRows(graph, out).second);
        continue;
      }
      if (r->second != Residency::Streamed) continue;
      for (int user : uses.users[out])
        block.windows_streamed =
            block.windows_streamed || (in_block[user] && isManyToMany(graph, graph.ops()[user]));
    }
  }
  // Strips no taller than the target's, and at least one per thread.
  const int64_t threads = std::max(1, machine_.threads);
  const int64_t tallest =
      std::clamp((block.tallest_rows + threads - 1) / threads, int64_t{1}, machine_.strip_rows);
  RooflineEstimate best = estimateWithStrip(graph, uses, block, tallest);
  if (!block.windows_streamed) return best;
  for (int64_t rows = tallest - 1; rows >= 1; --rows) {
    RooflineEstimate e = estimateWithStrip(graph, uses, block, rows);
    if (e.seconds < best.seconds) best = e;
  }
  return best;
}

// A block computed in strips spreads rows over threads, not output channels, so weights beyond the strip's
// share of L2 are fetched again for every row of output at least (ResNeXt-50's layer4 grouped conv streamed
// into its two 1x1 convs, 16 MB of weights: 23-25 ms, against 4-8 ms as two blocks).
int64_t RooflineModel::refetchedWeights(const BlockFacts& block, int64_t strips) const {
  if (strips == std::numeric_limits<int64_t>::max() || block.footprint.weight_bytes <= machine_.stripBudget())
    return 0;
  return block.footprint.weight_bytes * std::max<int64_t>(0, block.tallest_rows - 1);
}

// Walks readers before producers. A block output (or any op computed whole) runs in strips of `strip_rows`
// rows; a value streamed into a reader is computed, per strip, for the rows that reader needs: the reader's
// rows for an elementwise reader, (rows - 1) * stride + window rows for a window. Factors telescope along a
// chain: each producer is computed (its rows per strip) / (the output rows a strip advances, in its rows).
RooflineEstimate RooflineModel::estimateWithStrip(const ir::Graph& graph, const ir::UseIndex& uses,
                                                  const BlockFacts& block, int64_t strip_rows) const {
  std::vector<Tiling> tiling(graph.ops().size());
  int64_t fewest_strips = std::numeric_limits<int64_t>::max();
  int64_t recompute = 0, streamed = 0, materialized_bytes = 0, strip_bytes = 0;
  for (auto it = block.ops.rbegin(); it != block.ops.rend(); ++it) {
    const ir::Op& op = graph.ops()[*it];
    Tiling t;
    for (ir::ValueId out : op.outputs) {
      auto r = block.residency.where.find(out);
      if (r == block.residency.where.end()) {  // a block output: computed whole, in strips
        auto [batch, rows] = batchAndRows(graph, out);
        if (rows > 0) {
          t.rows = std::min(strip_rows, rows);
          t.strips = batch * ((rows + strip_rows - 1) / strip_rows);
        }
        continue;
      }
      if (r->second == Residency::Materialized) materialized_bytes += 2 * graph.type(out).bytes();
      if (r->second != Residency::Streamed) continue;
      for (int user : uses.users[out]) {
        const Tiling& reader = tiling[user];
        if (reader.rows == 0) continue;  // outside the block
        ir::RowWindow window;
        readsRowLocally(graph, graph.ops()[user], out, &window);
        const int64_t needed = (reader.rows - 1) * window.stride + window.rows;
        t.windowed = t.windowed || reader.windowed || isManyToMany(graph, graph.ops()[user]);
        t.rows = std::max(t.rows, needed);
        t.factor = std::max(t.factor, reader.factor * static_cast<double>(needed) /
                                          static_cast<double>(reader.rows * window.stride));
        if (reader.strips > 0) t.strips = t.strips == 0 ? reader.strips : std::min(t.strips, reader.strips);
      }
      auto [batch, rows] = batchAndRows(graph, out);
      t.rows = std::min(t.rows, rows);
      // Stored per strip, unless only a block output's register tiles read it (a conv's epilogue).
      if (t.windowed && (isManyToMany(graph, op) || block.residency.kept.count(out)))
        strip_bytes += graph.type(out).bytes() / std::max<int64_t>(1, batch * rows) * t.rows;
    }
    tiling[*it] = t;
    recompute += static_cast<int64_t>(static_cast<double>(ir::opCost(graph, op).flops) * (t.factor - 1.0));
    if (t.windowed && isManyToMany(graph, op)) {
      fewest_strips = std::min(fewest_strips, t.strips);
      streamed += ir::opCost(graph, op).flops;
    }
  }

  RooflineEstimate e;
  e.flops = block.footprint.flops;
  e.recompute_flops = recompute;
  e.strip_rows = strip_rows;
  e.strip_bytes = strip_bytes;
  const int64_t spilled =
      fewest_strips == std::numeric_limits<int64_t>::max()
          ? 0
          : 2 * std::max<int64_t>(0, strip_bytes - machine_.stripBudget()) * fewest_strips;
  e.traffic_bytes =
      block.footprint.trafficBytes() + materialized_bytes + spilled + refetchedWeights(block, fewest_strips);
  // Threads take whole strips: 7 strips on 2 threads take as long as 8. Measured (AMD Zen 4, 2 threads, 4
  // alternating runs), 56 output rows in 8 strips of 7 instead of 7 of 8: MobileNetV2's block 3 237-267 ->
  // 219-237 us, MobileNetV3-Large's 1 and 4 263 -> 243 and 112 -> 98 us, EfficientNet-B0's 3 325-422 ->
  // 292-393 us.
  if (fewest_strips != std::numeric_limits<int64_t>::max()) {
    const int64_t threads = std::max(1, machine_.threads);
    const int64_t rounds = (fewest_strips + threads - 1) / threads;
    e.parallel_efficiency = static_cast<double>(fewest_strips) / static_cast<double>(rounds * threads);
  }
  e.streamed_flops = streamed;
  const double streamed_loss = static_cast<double>(streamed) * (1.0 / machine_.streamed_efficiency - 1.0);
  double compute = (static_cast<double>(e.flops + e.recompute_flops) + streamed_loss) / machine_.peak_flops;
  double memory = static_cast<double>(e.traffic_bytes) / machine_.bandwidth;
  e.seconds = std::max(compute, memory) / e.parallel_efficiency + machine_.launch_seconds;
  return e;
}

std::string RooflineModel::describe() const {
  return fmt::format(
      "roofline: {:.0f} GFLOP/s peak, {:.1f} GB/s, {} threads, {:.1f} us per block launch, {} KiB L2 per "
      "core",
      machine_.peak_flops / 1e9, machine_.bandwidth / 1e9, machine_.threads, machine_.launch_seconds * 1e6,
      machine_.l2_bytes / 1024);
}

}  // namespace kiln::fusion
