// `kiln inspect MODEL.pt`: what a model is made of, after import and the canonical IR passes — op histogram,
// parameters, FLOPs, each op's DNNFusion mapping type, and optionally the IR itself.
#include <cstdio>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ir/passes/passes.h"
#include "ir/printer.h"
#include "ir/summary.h"
#include "ir/units.h"
#include "tools/commands.h"
#include "tools/model_options.h"

namespace kiln::tools {

namespace {

struct InspectOptions {
  ModelOptions model;
  bool print_ir = false;
  bool raw = false;
  std::string format = "text";
};

nlohmann::json valueJson(const ir::Graph& graph, ir::ValueId id) {
  return {{"name", graph.value(id).name},
          {"dtype", std::string(ir::dtypeName(graph.type(id).dtype))},
          {"shape", graph.type(id).shape}};
}

// The same facts as the text report, for other tools. Sizes are in bytes, costs as defined in
// ir/op_registry.h.
nlohmann::json reportJson(const ir::Graph& graph, const ir::GraphSummary& s, int imported_ops,
                          const std::vector<ir::PassReport>& passes, bool with_ir) {
  nlohmann::json report = {{"graph", graph.name()},
                           {"imported_ops", imported_ops},
                           {"ops", s.ops},
                           {"parameters", s.parameters},
                           {"parameter_bytes", s.parameter_bytes},
                           {"flops", s.flops},
                           {"multiply_adds", s.macs},
                           {"bytes_read", s.bytes_read},
                           {"bytes_written", s.bytes_written}};
  for (ir::ValueId in : graph.inputs()) report["inputs"].push_back(valueJson(graph, in));
  for (ir::ValueId out : graph.outputs()) report["outputs"].push_back(valueJson(graph, out));
  report["passes"] = nlohmann::json::object();
  for (const auto& p : passes) report["passes"][p.pass] = p.changed;
  for (const auto& [kind, stats] : s.by_kind)
    report["op_kinds"][kind] = {
        {"count", stats.count}, {"flops", stats.flops}, {"mapping", ir::mappingTypeName(stats.mapping)}};
  for (const ir::Op& op : graph.ops()) {
    ir::OpCost cost = ir::opCost(graph, op);
    nlohmann::json entry = {{"kind", op.kind},
                            {"mapping", ir::mappingTypeName(ir::mappingOf(graph, op))},
                            {"flops", cost.flops},
                            {"bytes_read", cost.bytes_read},
                            {"bytes_written", cost.bytes_written},
                            {"source", op.location}};
    for (ir::ValueId out : op.outputs) entry["outputs"].push_back(valueJson(graph, out));
    report["op_list"].push_back(entry);
  }
  if (with_ir) report["ir"] = ir::printGraph(graph);
  return report;
}

void printHistogram(const ir::GraphSummary& s) {
  fmt::print("\n{:<22} {:>6}  {:<13} {:>12} {:>7}\n", "op kind", "count", "mapping", "FLOPs", "share");
  for (const auto& [kind, stats] : s.by_kind)
    fmt::print("{:<22} {:>6}  {:<13} {:>12} {:>6.1f}%\n", kind, stats.count,
               ir::mappingTypeName(stats.mapping), siUnits(static_cast<double>(stats.flops), "FLOP"),
               s.flops ? 100.0 * static_cast<double>(stats.flops) / static_cast<double>(s.flops) : 0.0);
}

void printOps(const ir::Graph& graph) {
  fmt::print("\n{:>4}  {:<20} {:<13} {:<22} {:>12}  {}\n", "#", "kind", "mapping", "output", "FLOPs",
             "source");
  for (size_t i = 0; i < graph.ops().size(); ++i) {
    const ir::Op& op = graph.ops()[i];
    fmt::print("{:>4}  {:<20} {:<13} {:<22} {:>12}  {}\n", i, op.kind,
               ir::mappingTypeName(ir::mappingOf(graph, op)), ir::toString(graph.type(op.outputs[0])),
               siUnits(static_cast<double>(ir::opCost(graph, op).flops), "FLOP"), op.location);
  }
}

void run(const InspectOptions& options) {
  ir::Graph graph = options.model.import();
  int imported_ops = static_cast<int>(graph.ops().size());
  std::vector<ir::PassReport> passes;
  if (!options.raw) passes = ir::canonicalize(graph);
  ir::GraphSummary s = ir::summarize(graph);
  if (options.format == "json") {
    fmt::print("{}\n", reportJson(graph, s, imported_ops, passes, options.print_ir).dump(2));
    return;
  }

  fmt::print("model   {}\n", options.model.path);
  for (ir::ValueId in : graph.inputs())
    fmt::print("input   %{}: {}\n", graph.value(in).name, ir::toString(graph.type(in)));
  for (ir::ValueId out : graph.outputs())
    fmt::print("output  %{}: {}\n", graph.value(out).name, ir::toString(graph.type(out)));
  std::string pass_text;
  for (const auto& p : passes)
    pass_text += fmt::format("{}{} {}", pass_text.empty() ? "" : ", ", p.pass, p.changed);
  fmt::print("ops     {} ({} imported{}{})\n", s.ops, imported_ops,
             passes.empty() ? "; passes not run" : "; passes: ", pass_text);
  fmt::print("params  {} ({})\n", withThousands(s.parameters), binaryBytes(s.parameter_bytes));
  fmt::print("compute {} ({} multiply-adds in conv2d, linear, matmul)\n",
             siUnits(static_cast<double>(s.flops), "FLOP"), siUnits(static_cast<double>(s.macs), ""));
  fmt::print("memory  {} read, {} written by the ops run one at a time\n", binaryBytes(s.bytes_read),
             binaryBytes(s.bytes_written));
  printHistogram(s);
  printOps(graph);
  if (options.print_ir)
    fmt::print("\n{}", ir::printGraph(graph, {.elide_constants = true, .annotate = true}));
}

}  // namespace

void addInspectCommand(CLI::App& app) {
  auto options = std::make_shared<InspectOptions>();
  CLI::App* command =
      app.add_subcommand("inspect", "Import a model and summarize its ops, parameters and FLOPs");
  options->model.addTo(*command);
  command->add_flag("--print-ir", options->print_ir,
                    "also print the IR, each op annotated with mapping and FLOPs");
  command->add_flag("--raw", options->raw, "show the graph as imported, before the canonical IR passes");
  command->add_option("--format", options->format, "report format")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  command->callback([options] { run(*options); });
}

}  // namespace kiln::tools
