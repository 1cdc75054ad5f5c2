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

// How often each element of an op's output gets computed inside the block, and, when the op is computed
// strip by strip inside a window consumer, how many strips that consumer has to spread over threads.
struct Tiling {
  double factor = 1.0;
  int64_t strips = 0;  // 0: not computed inside another op's strips
};

bool isManyToMany(const ir::Graph& graph, const ir::Op& op) {
  return ir::mappingOf(graph, op) == ir::MappingType::ManyToMany;
}

int64_t stripsOf(const ir::Graph& graph, const ir::Op& op, int64_t strip_rows) {
  const ir::Shape& shape = graph.type(op.outputs.at(0)).shape;
  if (shape.size() != 4) return std::numeric_limits<int64_t>::max();
  return shape[0] * ((shape[2] + strip_rows - 1) / strip_rows);
}

}  // namespace

RooflineEstimate RooflineModel::estimate(const ir::Graph& graph, const ir::UseIndex& uses,
                                         const std::vector<int>& ops) const {
  std::vector<bool> in_block(graph.ops().size(), false);
  for (int op : ops) in_block[op] = true;
  Footprint footprint = measureBlock(graph, uses, ops, in_block);
  const ResidencyMap residency = classifyInternals(graph, uses, ops, machine_).where;

  // Walk readers before producers: a producer streamed into a window reader is computed as often as its
  // reader is, times the strip overlap.
  std::vector<Tiling> tiling(graph.ops().size());
  int64_t fewest_strips = std::numeric_limits<int64_t>::max();
  int64_t recompute = 0, streamed = 0, materialized_bytes = 0;
  for (auto it = ops.rbegin(); it != ops.rend(); ++it) {
    const ir::Op& op = graph.ops()[*it];
    Tiling t;
    for (ir::ValueId out : op.outputs) {
      auto r = residency.find(out);
      if (r == residency.end()) continue;  // a block output: computed whole
      if (r->second == Residency::Materialized) materialized_bytes += 2 * graph.type(out).bytes();
      if (r->second != Residency::Streamed) continue;
      for (int user : uses.users[out]) {
        const ir::Op& reader = graph.ops()[user];
        ir::RowWindow window;
        readsRowLocally(graph, reader, out, &window);
        double halo = 1.0;
        int64_t strips = tiling[user].strips;
        if (isManyToMany(graph, reader)) {
          int64_t rows_needed = (machine_.strip_rows - 1) * window.stride + window.rows;
          halo = std::max(1.0, static_cast<double>(rows_needed) /
                                   static_cast<double>(machine_.strip_rows * window.stride));
          if (strips == 0) strips = stripsOf(graph, reader, machine_.strip_rows);
        }
        t.factor = std::max(t.factor, tiling[user].factor * halo);
        if (strips > 0) t.strips = t.strips == 0 ? strips : std::min(t.strips, strips);
      }
    }
    tiling[*it] = t;
    recompute += static_cast<int64_t>(static_cast<double>(ir::opCost(graph, op).flops) * (t.factor - 1.0));
    if (t.strips > 0 && isManyToMany(graph, op)) {
      fewest_strips = std::min(fewest_strips, t.strips);
      streamed += ir::opCost(graph, op).flops;
    }
  }

  RooflineEstimate e;
  e.flops = footprint.flops;
  e.recompute_flops = recompute;
  e.traffic_bytes = footprint.trafficBytes() + materialized_bytes;
  e.parallel_efficiency =
      std::min(1.0, static_cast<double>(fewest_strips) / static_cast<double>(std::max(1, machine_.threads)));
  e.streamed_flops = streamed;
  const double streamed_loss = static_cast<double>(streamed) * (1.0 / machine_.streamed_efficiency - 1.0);
  double compute = (static_cast<double>(e.flops + e.recompute_flops) + streamed_loss) / machine_.peak_flops;
  double memory = static_cast<double>(e.traffic_bytes) / machine_.bandwidth;
  e.seconds = std::max(compute, memory) / e.parallel_efficiency + machine_.launch_seconds;
  return e;
}

std::string RooflineModel::describe() const {
  return fmt::format("roofline: {:.0f} GFLOP/s peak, {:.1f} GB/s, {} threads, {:.1f} us per block launch",
                     machine_.peak_flops / 1e9, machine_.bandwidth / 1e9, machine_.threads,
                     machine_.launch_seconds * 1e6);
}

}  // namespace kiln::fusion
