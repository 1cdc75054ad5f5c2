// `kiln inspect MODEL.pt`: what a model is made of, after import and the canonical IR passes — op histogram,
// parameters, FLOPs, each op's DNNFusion mapping type, and optionally the IR itself.
#include <cstdio>

#include <fmt/format.h>

#include "ir/passes/passes.h"
#include "ir/printer.h"
#include "ir/summary.h"
#include "tools/commands.h"
#include "tools/model_options.h"
#include "tools/text_format.h"

namespace kiln::tools {

namespace {

struct InspectOptions {
  ModelOptions model;
  bool print_ir = false;
  bool raw = false;
};

void printHistogram(const ir::GraphSummary& s) {
  fmt::print("\n{:<22} {:>6}  {:<13} {:>12} {:>7}\n", "op kind", "count", "mapping", "FLOPs", "share");
  for (const auto& [kind, stats] : s.by_kind)
    fmt::print("{:<22} {:>6}  {:<13} {:>12} {:>6.1f}%\n", kind, stats.count, ir::mappingTypeName(stats.mapping),
               siUnits(static_cast<double>(stats.flops), "FLOP"),
               s.flops ? 100.0 * static_cast<double>(stats.flops) / static_cast<double>(s.flops) : 0.0);
}

void printOps(const ir::Graph& graph) {
  fmt::print("\n{:>4}  {:<20} {:<13} {:<22} {:>12}  {}\n", "#", "kind", "mapping", "output", "FLOPs", "source");
  for (size_t i = 0; i < graph.ops().size(); ++i) {
    const ir::Op& op = graph.ops()[i];
    fmt::print("{:>4}  {:<20} {:<13} {:<22} {:>12}  {}\n", i, op.kind, ir::mappingTypeName(ir::mappingOf(graph, op)),
               ir::toString(graph.type(op.outputs[0])), siUnits(static_cast<double>(ir::opCost(graph, op).flops), "FLOP"),
               op.location);
  }
}

void run(const InspectOptions& options) {
  ir::Graph graph = options.model.import();
  int imported_ops = static_cast<int>(graph.ops().size());
  std::vector<ir::PassReport> passes;
  if (!options.raw) passes = ir::canonicalize(graph);
  ir::GraphSummary s = ir::summarize(graph);

  fmt::print("model   {}\n", options.model.path);
  for (ir::ValueId in : graph.inputs())
    fmt::print("input   %{}: {}\n", graph.value(in).name, ir::toString(graph.type(in)));
  for (ir::ValueId out : graph.outputs())
    fmt::print("output  %{}: {}\n", graph.value(out).name, ir::toString(graph.type(out)));
  std::string pass_text;
  for (const auto& p : passes) pass_text += fmt::format("{}{} {}", pass_text.empty() ? "" : ", ", p.pass, p.changed);
  fmt::print("ops     {} ({} imported{}{})\n", s.ops, imported_ops, passes.empty() ? "; passes not run" : "; passes: ",
             pass_text);
  fmt::print("params  {} ({})\n", withThousands(s.parameters), binaryBytes(s.parameter_bytes));
  fmt::print("compute {} ({} multiply-adds in conv2d, linear, matmul)\n", siUnits(static_cast<double>(s.flops), "FLOP"),
             siUnits(static_cast<double>(s.macs), ""));
  fmt::print("memory  {} read, {} written by the ops run one at a time\n", binaryBytes(s.bytes_read),
             binaryBytes(s.bytes_written));
  printHistogram(s);
  printOps(graph);
  if (options.print_ir) fmt::print("\n{}", ir::printGraph(graph, {.elide_constants = true, .annotate = true}));
}

}  // namespace

void addInspectCommand(CLI::App& app) {
  auto options = std::make_shared<InspectOptions>();
  CLI::App* command = app.add_subcommand("inspect", "Import a model and summarize its ops, parameters and FLOPs");
  options->model.addTo(*command);
  command->add_flag("--print-ir", options->print_ir, "also print the IR, each op annotated with mapping and FLOPs");
  command->add_flag("--raw", options->raw, "show the graph as imported, before the canonical IR passes");
  command->callback([options] { run(*options); });
}

}  // namespace kiln::tools
