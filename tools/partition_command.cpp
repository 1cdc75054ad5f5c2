// `kiln partition MODEL.pt`: groups the canonical graph's ops into fused blocks with one or all strategies
// and reports the plan (text, JSON, Graphviz DOT or HTML), including why fusion stopped at each boundary.
#include <cstdio>

#include <fmt/format.h>

#include "fusion/reports.h"
#include "fusion/strategies.h"
#include "ir/error.h"
#include "ir/files.h"
#include "ir/passes/passes.h"
#include "ir/process.h"
#include "tools/commands.h"
#include "tools/latency_options.h"
#include "tools/machine_options.h"
#include "tools/model_options.h"
#include "tuning/fused_block_check.h"

namespace kiln::tools {

namespace {

struct PartitionCommandOptions {
  ModelOptions model;
  std::string strategy = "dnnfusion";
  bool compare = false;
  std::string format = "text";
  std::string output;
  fusion::SideBySideRange range;
  fusion::PartitionOptions partition;
  MachineOptions machine;
  LatencyOptions latency;
  bool check_fusion = false;
  double tolerance = 0.1;
  int threads = 0;
  double launch_us = 0;
  int64_t stage_kib = 0;
};

// Graphviz's rendering of a DOT graph as SVG (the HTML report embeds it).
std::string renderSvg(const std::string& dot) {
  TempFile source(".dot"), rendered(".svg");
  writeFile(source.path(), dot);
  runTool({"dot", "-Tsvg", source.path().string(), "-o", rendered.path().string()}, "render the plan as SVG",
          "install Debian's graphviz package, or use --format dot");
  return readFile(rendered.path());
}

std::string render(const PartitionCommandOptions& options, const fusion::PartitionReport& report) {
  if (options.format == "json") return report.plans.empty() ? "" : fusion::jsonReport(report).dump(2) + "\n";
  if (options.format == "dot") {
    if (report.plans.size() != 1)
      fail("--format dot draws one plan; pick one --strategy (none, pattern or dnnfusion) instead of all");
    return fusion::dotGraph(report, 0);
  }
  if (options.format == "html") {
    std::vector<std::string> svgs;
    for (size_t i = 0; i < report.plans.size(); ++i) svgs.push_back(renderSvg(fusion::dotGraph(report, i)));
    return fusion::htmlReport(report, svgs);
  }
  std::string text =
      fmt::format("model {}\n{}\n\n", report.model, fusion::RooflineModel(report.machine).describe());
  if (options.compare) {
    text += fusion::compareTable(report);
  } else {
    for (size_t i = 0; i < report.plans.size(); ++i)
      text += fusion::textSummary(report, i) + "\n" + fusion::sideBySide(report, i, options.range) + "\n";
  }
  return text + "\n" + fusion::definitionsText();
}

// The figures plan as `kiln compile` plans: a tuning database's, where one is in use (machine_options.h).
void applyMachineOptions(PartitionCommandOptions& options) {
  fusion::Machine& machine = options.partition.machine;
  const int threads = profiling::threadsOrAllCores(options.threads);
  machine = options.machine.planningPeaks(options.latency.existingDatabase().get()).costModelMachine(threads);
  if (options.launch_us > 0) machine.launch_seconds = options.launch_us * 1e-6;
  if (options.stage_kib > 0) machine.stage_bytes = options.stage_kib * 1024;
}

// The plan against every op apart, both compiled for and run on this machine.
std::vector<tuning::FusedBlockCheck> checkFusion(const ir::Graph& graph, const fusion::Plan& plan,
                                                 const PartitionCommandOptions& options, int threads) {
  tuning::FusionCheckOptions check;
  check.threads = threads;
  check.machine = options.partition.machine;
  check.progress = [](const std::string& line) { std::fprintf(stderr, "kiln: %s\n", line.c_str()); };
  return tuning::checkFusedBlocks(graph, plan, fusion::partition(graph, "none", options.partition), check);
}

void run(PartitionCommandOptions& options) {
  applyMachineOptions(options);
  if (options.check_fusion && (options.format != "text" || options.strategy == "all" || options.compare))
    fail("--check-fusion prints one table for one plan; drop --format, --compare and --strategy all");
  const int threads = profiling::threadsOrAllCores(options.threads);
  const std::unique_ptr<MeasuredLatency> measured =
      options.latency.measured("host", threads, options.partition.machine);
  if (measured) options.partition.latency = &measured->model;
  ir::Graph graph = options.model.import();
  ir::canonicalize(graph);
  std::vector<std::string> strategies =
      options.strategy == "all" || options.compare ? fusion::strategyNames() : std::vector{options.strategy};
  fusion::PartitionReport report{graph, options.model.path, options.partition.machine, {}, {}};
  for (const std::string& name : strategies) {
    report.plans.push_back(fusion::partition(graph, name, options.partition));
    report.metrics.push_back(fusion::computeMetrics(graph, report.plans.back(), report.machine));
  }
  std::string text;
  if (options.check_fusion) {
    text = fmt::format(
        "model {}, {} plan: every block of more than one op against its ops compiled apart ({} threads, "
        "10th percentiles inside each model)\n{}",
        report.model, options.strategy, threads,
        tuning::fusedBlockTable(checkFusion(graph, report.plans.back(), options, threads),
                                options.tolerance));
  } else {
    text = render(options, report);
  }
  if (measured) std::fprintf(stderr, "kiln: %s\n", measured->summary().c_str());
  if (options.output.empty()) {
    std::fputs(text.c_str(), stdout);
  } else {
    writeFileAtomically(options.output, text);
    std::fprintf(stderr, "kiln: wrote %s\n", options.output.c_str());
  }
}

}  // namespace

void addPartitionCommand(CLI::App& app) {
  auto options = std::make_shared<PartitionCommandOptions>();
  CLI::App* command =
      app.add_subcommand("partition", "group a model's ops into fused blocks and explain the plan");
  options->model.addTo(*command);
  command->add_option("--strategy", options->strategy, "none, pattern, dnnfusion or all")
      ->check(CLI::IsMember({"none", "pattern", "dnnfusion", "all"}))
      ->capture_default_str();
  command->add_flag("--compare", options->compare, "one table with every strategy side by side");
  command->add_option("--format", options->format, "text, json, dot or html")
      ->check(CLI::IsMember({"text", "json", "dot", "html"}))
      ->capture_default_str();
  command->add_option("-o,--output", options->output, "write the report to this file instead of stdout");
  command->add_option("--start", options->range.start, "side-by-side view: first op index")
      ->capture_default_str();
  command->add_option("--end", options->range.end, "side-by-side view: one past the last op index (-1: all)")
      ->capture_default_str();
  command
      ->add_option("--max-nodes", options->range.max_nodes,
                   "side-by-side view: at most this many ops (0: all)")
      ->capture_default_str();
  options->machine.addTo(*command);
  options->latency.addTo(*command);
  command->add_flag("--check-fusion", options->check_fusion,
                    "instead of the report: compile the plan and every op apart, run both on this machine "
                    "in turns, and flag the blocks of more than one op slower than their ops apart");
  command
      ->add_option(
          "--tolerance", options->tolerance,
          "with --check-fusion: how much slower than apart a fused block may be before it is flagged")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  command->add_option("--threads", options->threads, "threads a block may use (default: all cores)")
      ->check(CLI::PositiveNumber);
  command->add_option("--launch-us", options->launch_us, "cost of running one block (default 2)")
      ->check(CLI::PositiveNumber);
  command
      ->add_option("--stage-kib", options->stage_kib,
                   "largest intermediate a block may hold whole in cache (default 32)")
      ->check(CLI::PositiveNumber);
  command->add_option("--max-block-ops", options->partition.max_block_ops, "constraint: ops per block")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command->callback([options] { run(*options); });
}

}  // namespace kiln::tools
