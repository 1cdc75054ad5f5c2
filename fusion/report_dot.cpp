// The Graphviz view of a plan: every op a node, every block a cluster filled by its roofline class, edges
// that cross blocks drawn dashed with the reason fusion stopped as their tooltip.
#include <map>

#include <fmt/format.h>

#include "fusion/reports.h"
#include "ir/units.h"

namespace kiln::fusion {

namespace {

std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c == '\n' ? std::string("\\n") : std::string(1, c);
  }
  return out + "\"";
}

const char* fillOf(BoundClass bound) {
  switch (bound) {
    case BoundClass::Memory:
      return "#fde2e1";
    case BoundClass::Balanced:
      return "#fff4cc";
    case BoundClass::Compute:
      return "#dff3e3";
  }
  return "white";
}

}  // namespace

std::string dotGraph(const PartitionReport& report, size_t index) {
  const ir::Graph& graph = report.graph;
  const Plan& plan = report.plans[index];
  const PlanMetrics& m = report.metrics[index];
  ir::UseIndex uses(graph);
  std::string out = fmt::format("digraph {} {{\n", quoted(graph.name() + " (" + plan.strategy + ")"));
  out +=
      "  rankdir=TB; node [shape=box, style=\"rounded,filled\", fillcolor=white, fontname=Helvetica, "
      "fontsize=10]; edge [color=\"#555555\"];\n";
  out += fmt::format(
      "  label={}; labelloc=t; fontname=Helvetica;\n",
      quoted(fmt::format("{}: {} blocks, {} ops, traffic {} ({:.1f}% less than unfused)", plan.strategy,
                         m.blocks, m.ops, binaryBytes(m.traffic_bytes), 100.0 * m.traffic_reduction)));
  for (size_t i = 0; i < graph.inputs().size(); ++i) {
    ir::ValueId in = graph.inputs()[i];
    out += fmt::format("  in{} [shape=oval, label={}];\n", i,
                       quoted(graph.value(in).name + "\n" + ir::toString(graph.type(in))));
  }
  for (const Block& block : plan.blocks) {
    const BlockMetrics& b = m.per_block[block.id];
    out += fmt::format(
        "  subgraph cluster_b{} {{\n    id=\"block{}\"; style=\"filled,rounded\"; fillcolor=\"{}\";\n",
        block.id, block.id, fillOf(b.bound));
    out += fmt::format(
        "    label={}; tooltip={};\n",
        quoted(fmt::format("block {}: AI {:.1f}, {}", block.id, b.intensity, boundClassName(b.bound))),
        quoted(fmt::format("{} | traffic {} | internal {}", b.pattern, binaryBytes(b.traffic_bytes),
                           binaryBytes(b.internal_bytes))));
    for (int op : block.ops) {
      const ir::Op& o = graph.ops()[op];
      out += fmt::format("    op{} [label={}, tooltip={}];\n", op,
                         quoted(fmt::format("{}\n{}", o.kind, ir::toString(graph.type(o.outputs[0])))),
                         quoted(fmt::format("#{} %{} {}", op, graph.value(o.outputs[0]).name, o.location)));
    }
    out += "  }\n";
  }
  std::map<OpEdge, const Stop*> stops;
  for (const Boundary& b : plan.boundaries) stops[{b.producer_op, b.consumer_op}] = &b.stop;
  for (size_t op = 0; op < graph.ops().size(); ++op)
    for (ir::ValueId in : graph.ops()[op].inputs) {
      if (graph.isConstant(in)) continue;
      int producer = uses.producer[in];
      std::string from = producer >= 0 ? fmt::format("op{}", producer) : "";
      for (size_t i = 0; from.empty() && i < graph.inputs().size(); ++i)
        if (graph.inputs()[i] == in) from = fmt::format("in{}", i);
      std::string style;
      if (auto stop = stops.find({producer, static_cast<int>(op)}); stop != stops.end())
        style =
            fmt::format(" [style=dashed, tooltip={}]",
                        quoted(std::string(stopKindName(stop->second->kind)) + ": " + stop->second->reason));
      out += fmt::format("  {} -> op{}{};\n", from, op, style);
    }
  return out + "}\n";
}

}  // namespace kiln::fusion
