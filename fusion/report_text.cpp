// The terminal reports: a plan's summary with its block, boundary and pattern tables; the seed tool's
// side-by-side view; and the strategy comparison table.
#include <fmt/format.h>

#include "fusion/mapping_table.h"
#include "fusion/reports.h"
#include "ir/units.h"

namespace kiln::fusion {

namespace {

std::string clip(const std::string& text, size_t width) {
  return text.size() <= width ? text : text.substr(0, width - 3) + "...";
}

std::string percent(double share) {
  return fmt::format("{:.1f}%", 100.0 * share);
}

std::string flopText(int64_t flops) {
  return siUnits(static_cast<double>(flops), "FLOP");
}

std::string microseconds(double seconds) {
  return fmt::format("{:.1f} us", seconds * 1e6);
}

std::string boundText(const PlanMetrics& m) {
  return fmt::format("{} memory-bound, {} balanced, {} compute-bound", m.bound_counts[0], m.bound_counts[1],
                     m.bound_counts[2]);
}

// Where an internal value lives, for the side-by-side view: " (streamed)", " (kept, cached)"; empty for a
// value the block hands out.
std::string residencyNote(const Residencies& residency, ir::ValueId value) {
  auto where = residency.where.find(value);
  if (where == residency.where.end()) return "";
  return fmt::format(" ({}{})", residency.kept.count(value) ? "kept, " : "", residencyName(where->second));
}

void appendBlockTable(std::string& out, const Plan& plan, const PlanMetrics& m) {
  out += fmt::format("\n{:>5} {:>4} {:<40} {:>11} {:>10} {:>10} {:>8} {:<14} {:>10}\n", "block", "ops",
                     "pattern", "FLOPs", "traffic", "internal", "AI", "bound", "est");
  for (const BlockMetrics& b : m.per_block) {
    out += fmt::format("{:>5} {:>4} {:<40} {:>11} {:>10} {:>10} {:>8.1f} {:<14} {:>10}\n", b.block, b.ops,
                       clip(b.pattern, 40), flopText(b.flops), binaryBytes(b.traffic_bytes),
                       binaryBytes(b.internal_bytes), b.intensity, boundClassName(b.bound),
                       microseconds(b.estimate.seconds));
    for (const std::string& note : plan.blocks[b.block].notes)
      out += fmt::format("{:>11}fused: {}\n", "", note);
  }
}

void appendBoundaries(std::string& out, const ir::Graph& graph, const Plan& plan) {
  out += fmt::format("\nBoundaries: why fusion stopped at each value that crosses blocks ({})\n",
                     plan.boundaries.size());
  for (const Boundary& b : plan.boundaries)
    out +=
        fmt::format("  %{:<14} block {:>3} -> {:<3} {:<10} {} -> {}: {}\n",
                    clip(graph.value(b.value).name, 14), b.from_block, b.to_block, stopKindName(b.stop.kind),
                    graph.ops()[b.producer_op].kind, graph.ops()[b.consumer_op].kind, b.stop.reason);
}

void appendPatterns(std::string& out, const PlanMetrics& m) {
  out += fmt::format("\nPatterns\n{:>7} {:>5}  {:>10} {:>10}  {}\n", "blocks", "ops", "traffic", "internal",
                     "pattern");
  for (const PatternCount& p : m.patterns)
    out += fmt::format("{:>7} {:>5}  {:>10} {:>10}  {}\n", p.blocks, p.ops, binaryBytes(p.traffic_bytes),
                       binaryBytes(p.internal_bytes), p.pattern);
}

}  // namespace

std::string definitionsText() {
  std::string out = "Definitions\n";
  for (const auto& [name, meaning] : metricDefinitions()) out += fmt::format("  {:<10} {}\n", name, meaning);
  return out;
}

std::string textSummary(const PartitionReport& report, size_t index) {
  const Plan& plan = report.plans[index];
  const PlanMetrics& m = report.metrics[index];
  std::string out = fmt::format("strategy {}: {} blocks for {} ops\n", plan.strategy, m.blocks, m.ops);
  out += fmt::format("  single-op   {}\n", m.single_op_blocks);
  out += fmt::format("  coverage    {} of blocks, {} of ops\n", percent(m.block_coverage),
                     percent(m.op_coverage));
  out += fmt::format("  ops/block   {:.2f}\n", m.ops_per_block);
  out += fmt::format("  FLOPs       {}\n", flopText(m.flops));
  out += fmt::format("  traffic     {} (none: {}), reduction {}\n", binaryBytes(m.traffic_bytes),
                     binaryBytes(m.unfused_bytes), percent(m.traffic_reduction));
  out += fmt::format("  internal    {} never reach memory\n", binaryBytes(m.internal_bytes));
  out += fmt::format("  AI          {:.1f} FLOP/B (ridge {:.1f} FLOP/B)\n", m.intensity,
                     report.machine.ridgeFlopsPerByte());
  out += fmt::format("  bound       {}\n", boundText(m));
  out += fmt::format("  est         {} (sum of the blocks' roofline estimates)\n",
                     microseconds(m.estimated_seconds));
  appendBlockTable(out, plan, m);
  appendBoundaries(out, report.graph, plan);
  appendPatterns(out, m);
  return out;
}

std::string sideBySide(const PartitionReport& report, size_t index, const SideBySideRange& range) {
  const ir::Graph& graph = report.graph;
  const Plan& plan = report.plans[index];
  const PlanMetrics& m = report.metrics[index];
  int count = static_cast<int>(graph.ops().size());
  int start = std::clamp(range.start, 0, count);
  int end = range.end < 0 ? count : std::clamp(range.end, start, count);
  if (range.max_nodes > 0) end = std::min(end, start + range.max_nodes);

  constexpr int kLeft = 58;
  std::string out =
      fmt::format("Side by side ({}): ops {}..{} of {}\n", plan.strategy, start, end - 1, count);
  auto line = [&](const std::string& left, const std::string& right) {
    out += fmt::format("{:<{}}{}\n", clip(left, kLeft - 2), kLeft, right);
  };
  for (int op = start; op < end; ++op) {
    const ir::Op& o = graph.ops()[op];
    const Block& block = plan.blocks[plan.block_of_op[op]];
    bool opens = op == start || plan.block_of_op[op - 1] != block.id;
    bool closes = op + 1 == end || plan.block_of_op[op + 1] != block.id;
    if (opens)
      line("", fmt::format("┌─ block {} [{}] {} ─", block.id, shortMappingName(block.mapping),
                           clip(m.per_block[block.id].pattern, 36)));
    line(fmt::format("{:>4}. {:<12} {}", op, o.kind, ir::toString(graph.type(o.outputs[0]))),
         fmt::format("│ • {} %{}{}", o.kind, graph.value(o.outputs[0]).name,
                     residencyNote(block.residency, o.outputs[0])));
    if (!closes) continue;
    const BlockMetrics& b = m.per_block[block.id];
    bool last_visit = op == block.ops.back();
    if (last_visit) {
      line("", fmt::format("│   {} ops, {}", b.ops, flopText(b.flops)));
      line("", fmt::format("│   traffic {}, internal {}", binaryBytes(b.traffic_bytes),
                           binaryBytes(b.internal_bytes)));
      line("", fmt::format("│   AI {:.1f} FLOP/B, {}, est {}", b.intensity, boundClassName(b.bound),
                           microseconds(b.estimate.seconds)));
      if (b.estimate.strip_bytes > 0)
        line("", fmt::format("│   strips of {} rows hold {}, recompute {}", b.estimate.strip_rows,
                             binaryBytes(b.estimate.strip_bytes), flopText(b.estimate.recompute_flops)));
    } else {
      line("", "│   (continues below)");
    }
    line("", "└──────────────────────────────");
  }
  return out;
}

std::string compareTable(const PartitionReport& report) {
  std::string out = fmt::format("{:<22}", "metric");
  for (const PlanMetrics& m : report.metrics) out += fmt::format("{:>14}", m.strategy);
  out += "\n";
  auto row = [&](const char* name, auto value) {
    out += fmt::format("{:<22}", name);
    for (const PlanMetrics& m : report.metrics) out += fmt::format("{:>14}", value(m));
    out += "\n";
  };
  row("ops", [](const PlanMetrics& m) { return std::to_string(m.ops); });
  row("blocks", [](const PlanMetrics& m) { return std::to_string(m.blocks); });
  row("single-op blocks", [](const PlanMetrics& m) { return std::to_string(m.single_op_blocks); });
  row("coverage (blocks)", [](const PlanMetrics& m) { return percent(m.block_coverage); });
  row("coverage (ops)", [](const PlanMetrics& m) { return percent(m.op_coverage); });
  row("ops/block", [](const PlanMetrics& m) { return fmt::format("{:.2f}", m.ops_per_block); });
  row("traffic", [](const PlanMetrics& m) { return binaryBytes(m.traffic_bytes); });
  row("internal", [](const PlanMetrics& m) { return binaryBytes(m.internal_bytes); });
  row("traffic reduction", [](const PlanMetrics& m) { return percent(m.traffic_reduction); });
  row("AI (FLOP/B)", [](const PlanMetrics& m) { return fmt::format("{:.1f}", m.intensity); });
  row("memory-bound blocks", [](const PlanMetrics& m) { return std::to_string(m.bound_counts[0]); });
  row("balanced blocks", [](const PlanMetrics& m) { return std::to_string(m.bound_counts[1]); });
  row("compute-bound blocks", [](const PlanMetrics& m) { return std::to_string(m.bound_counts[2]); });
  row("est (roofline)", [](const PlanMetrics& m) { return microseconds(m.estimated_seconds); });
  return out;
}

}  // namespace kiln::fusion
