#include "fusion/metrics.h"

#include <algorithm>
#include <map>

namespace kiln::fusion {

const char* boundClassName(BoundClass bound) {
  switch (bound) {
    case BoundClass::Memory:
      return "memory-bound";
    case BoundClass::Balanced:
      return "balanced";
    case BoundClass::Compute:
      return "compute-bound";
  }
  return "?";
}

BoundClass classify(double intensity, const Machine& machine) {
  double ridge = machine.ridgeFlopsPerByte();
  if (intensity < ridge / 2) return BoundClass::Memory;
  if (intensity < ridge * 2) return BoundClass::Balanced;
  return BoundClass::Compute;
}

namespace {

double ratio(double a, double b) {
  return b > 0 ? a / b : 0.0;
}

}  // namespace

std::string patternOf(const ir::Graph& graph, const std::vector<int>& ops) {
  std::string pattern;
  for (int op : ops) pattern += (pattern.empty() ? "" : "+") + graph.ops()[op].kind;
  return pattern;
}

PlanMetrics computeMetrics(const ir::Graph& graph, const Plan& plan, const Machine& machine) {
  ir::UseIndex uses(graph);
  RooflineModel roofline(machine);
  PlanMetrics m;
  m.strategy = plan.strategy;
  m.machine = machine;
  m.ops = static_cast<int>(graph.ops().size());
  m.blocks = static_cast<int>(plan.blocks.size());
  std::map<std::string, PatternCount> patterns;
  int ops_in_multi = 0;
  for (const Block& block : plan.blocks) {
    const Footprint& f = block.footprint;
    BlockMetrics b;
    b.block = block.id;
    b.pattern = patternOf(graph, block.ops);
    b.ops = static_cast<int>(block.ops.size());
    b.flops = f.flops;
    b.input_bytes = f.input_bytes;
    b.weight_bytes = f.weight_bytes;
    b.output_bytes = f.output_bytes;
    b.traffic_bytes = f.trafficBytes();
    b.internal_bytes = f.internal_bytes;
    for (int op : block.ops) b.unfused_bytes += measureBlock(graph, uses, {op}).trafficBytes();
    b.intensity = ratio(static_cast<double>(b.flops), static_cast<double>(b.traffic_bytes));
    b.bound = classify(b.intensity, machine);
    b.estimate = roofline.estimate(graph, uses, block.ops);

    if (b.ops == 1)
      ++m.single_op_blocks;
    else
      ops_in_multi += b.ops;
    m.flops += b.flops;
    m.traffic_bytes += b.traffic_bytes;
    m.internal_bytes += b.internal_bytes;
    m.unfused_bytes += b.unfused_bytes;
    m.estimated_seconds += b.estimate.seconds;
    ++m.bound_counts[static_cast<int>(b.bound)];
    PatternCount& p = patterns[b.pattern];
    p.pattern = b.pattern;
    ++p.blocks;
    p.ops += b.ops;
    p.traffic_bytes += b.traffic_bytes;
    p.internal_bytes += b.internal_bytes;
    m.per_block.push_back(std::move(b));
  }
  m.block_coverage = ratio(m.blocks - m.single_op_blocks, m.blocks);
  m.op_coverage = ratio(ops_in_multi, m.ops);
  m.ops_per_block = ratio(m.ops, m.blocks);
  m.traffic_reduction =
      1.0 - ratio(static_cast<double>(m.traffic_bytes), static_cast<double>(m.unfused_bytes));
  m.intensity = ratio(static_cast<double>(m.flops), static_cast<double>(m.traffic_bytes));
  for (auto& [name, p] : patterns) m.patterns.push_back(p);
  std::stable_sort(m.patterns.begin(), m.patterns.end(),
                   [](const PatternCount& a, const PatternCount& b) { return a.blocks > b.blocks; });
  return m;
}

const std::vector<std::pair<std::string, std::string>>& metricDefinitions() {
  static const std::vector<std::pair<std::string, std::string>> definitions = {
      {"ops", "operators in the canonical graph (after BN folding, dropout removal, DCE)"},
      {"blocks", "fused blocks; each becomes one Halide pipeline"},
      {"single-op", "blocks holding one op"},
      {"coverage", "share of blocks with more than one op / share of ops inside such blocks"},
      {"ops/block", "ops divided by blocks"},
      {"FLOPs", "2 per multiply-add, elementwise ops by their arithmetic (ir/op_registry.h)"},
      {"traffic",
       "bytes a block moves to or from memory: each distinct input activation, weight and output "
       "(a value read outside the block or returned) counted once"},
      {"internal", "bytes of values produced and consumed inside a block, which never reach memory"},
      {"reduction", "1 - traffic / traffic of strategy none (every op its own block)"},
      {"AI", "arithmetic intensity: FLOPs / traffic bytes"},
      {"bound",
       "roofline class: AI below half the ridge (peak FLOP/s / bandwidth) is memory-bound, above "
       "twice the ridge compute-bound, balanced between"},
      {"est",
       "roofline time: max(FLOPs incl. recomputed halos / peak, traffic / bandwidth) / parallel "
       "efficiency + launch cost"},
  };
  return definitions;
}

}  // namespace kiln::fusion
