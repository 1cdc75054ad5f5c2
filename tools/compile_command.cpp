// `kiln compile MODEL.pt -o DIR`: imports, partitions and compiles a model into an artifact directory.
#include <algorithm>
#include <cstdio>
#include <optional>

#include <fmt/format.h>

#include "codegen/target.h"
#include "codegen/target_desc.h"
#include "ir/error.h"
#include "ir/units.h"
#include "runtime/memory_limit.h"
#include "tools/commands.h"
#include "tools/latency_options.h"
#include "tools/machine_options.h"
#include "tools/model_options.h"
#include "tuning/tuner.h"
#include "validation/bundle.h"
#include "validation/compile_model.h"

namespace kiln::tools {
namespace {

struct CompileCommandOptions {
  ModelOptions model;
  std::string output;
  std::string target = "host";
  std::string strategy = "dnnfusion";
  std::string schedule = "default";
  std::string name;
  std::string schedule_config;
  std::string memory_limit;
  int jobs = 0;
  bool verbose = false;
  bool untuned = false;
  bool bundle = false;
  bool embed_weights = false;
  MachineOptions machine;
  LatencyOptions latency;
};

std::string phaseLine(const codegen::ArtifactSummary& summary) {
  std::string line;
  for (const codegen::PhaseTime& phase : summary.phases)
    line += fmt::format("{}{} {:.2f} s", line.empty() ? "" : ", ", phase.phase, phase.seconds);
  return line;
}

std::string blockSchedules(const codegen::ArtifactSummary& summary) {
  std::string text = "  schedules (template and config per block):\n";
  for (const codegen::BlockCompileTime& block : summary.block_times)
    text += fmt::format("    block {:>3}  {:<60}  {}{}\n", block.block, block.schedule, block.pattern,
                        block.same_as >= 0 ? fmt::format(" (the function of block {})", block.same_as) : "");
  return text;
}

std::string slowestBlocks(const codegen::ArtifactSummary& summary, size_t count) {
  std::vector<codegen::BlockCompileTime> blocks = summary.block_times;
  std::sort(blocks.begin(), blocks.end(), [](const auto& a, const auto& b) { return a.seconds > b.seconds; });
  std::string text = "  slowest blocks to compile:\n";
  for (size_t i = 0; i < blocks.size() && i < count; ++i)
    text += fmt::format("    block {:>3} {:>7.2f} s  {}\n", blocks[i].block, blocks[i].seconds,
                        blocks[i].pattern);
  return text;
}

// The artifact's bundle; when it cannot be made, the artifact goes too: what was asked for is both.
validation::BundleSummary writeBundleOrRemove(const std::filesystem::path& artifact, bool embed_weights) {
  try {
    return validation::writeBundle(artifact, {.embed_weights = embed_weights});
  } catch (const Error&) {
    std::filesystem::remove_all(artifact);
    throw;
  }
}

void run(const CompileCommandOptions& options) {
  validation::ModelCompileOptions compile;
  compile.inputs = options.model.importOptions();
  compile.strategy = options.strategy;
  const int threads = profiling::hardwareThreads();
  const codegen::TargetInfo target = codegen::resolveTarget(options.target);
  if (options.bundle) validation::checkBundleTarget(target.halide);
  // The tuning database plans the compile and (unless --untuned) gives its tuned configs. A target that does
  // not run here has none (nothing can have been tuned for it), and its plan is priced with the target's
  // nominal figures.
  std::unique_ptr<tuning::TimingDatabase> database;
  std::optional<profiling::MachinePeaks> peaks;
  if (codegen::runsOnHost(target.halide)) {
    database = options.latency.existingDatabase();
    peaks = options.machine.planningPeaks(database.get());
  }
  compile.partition.machine = peaks ? peaks->costModelMachine(threads)
                                    : codegen::describeTarget(target.halide, threads).nominalMachine();
  const std::unique_ptr<MeasuredLatency> measured =
      options.latency.measured(options.target, threads, compile.partition.machine);
  if (measured) compile.partition.latency = &measured->model;
  compile.codegen.target = options.target;
  compile.codegen.schedule.kind = codegen::parseScheduleKind(options.schedule);
  compile.codegen.schedule.threads = threads;
  if (!options.schedule_config.empty())
    compile.codegen.schedule.overrides = codegen::readScheduleOverrides(options.schedule_config);
  const tuning::TimingDatabase* tuned = options.untuned ? nullptr : database.get();
  if (tuned)
    compile.tuned_configs = [&](const ir::Graph& graph, const fusion::Plan& plan) {
      return tuning::tunedConfigs(graph, plan, *tuned, target.halide.to_string(),
                                  profiling::machineIdentity(), threads);
    };
  if (!options.memory_limit.empty())
    compile.memory_limit =
        runtime::MemoryLimit{runtime::parseByteSize(options.memory_limit), "--memory-limit"};
  compile.codegen.model_name = options.name;
  compile.codegen.jobs = options.jobs;
  compile.codegen.progress = [](const std::string& line) {
    std::fprintf(stderr, "kiln: %s\n", line.c_str());
  };
  const codegen::ArtifactSummary summary =
      validation::compileModel(options.model.path, compile, options.output);
  std::optional<validation::BundleSummary> bundle;
  if (options.bundle) bundle = writeBundleOrRemove(summary.directory, options.embed_weights);
  std::printf(
      "compiled %s: %d blocks in %d functions (%s, schedule %s), %s of weights, in %.1f s\n  target %s\n"
      "  wrote %s\n",
      options.model.path.c_str(), summary.blocks, summary.functions, options.strategy.c_str(),
      options.schedule.c_str(), binaryBytes(summary.weight_bytes).c_str(), summary.seconds,
      summary.halide_target.c_str(), summary.directory.c_str());
  std::printf("  time: %s\n", phaseLine(summary).c_str());
  if (peaks)
    std::printf("  planned for %.1f GFLOP/s and %.1f GB/s (%s)\n", compile.partition.machine.peak_flops / 1e9,
                compile.partition.machine.bandwidth / 1e9, peaks->source.c_str());
  if (measured) std::printf("  %s\n", measured->summary().c_str());
  if (tuned)
    std::printf("  %d of %d blocks scheduled as `kiln tune` chose (%s)\n", summary.tuned_blocks,
                summary.blocks, tuned->path().c_str());
  if (options.verbose) {
    std::fputs(blockSchedules(summary).c_str(), stdout);
    std::fputs(slowestBlocks(summary, 10).c_str(), stdout);
  }
  if (bundle)
    std::printf("  bundle %s and %s: workspace %s (activations %s, Halide scratch %s), weights %s%s\n",
                bundle->library.filename().c_str(), bundle->header.filename().c_str(),
                binaryBytes(bundle->workspace_bytes).c_str(), binaryBytes(bundle->activation_bytes).c_str(),
                binaryBytes(bundle->scratch_bytes).c_str(), binaryBytes(bundle->weights_bytes).c_str(),
                options.embed_weights ? " (linked in)" : "");
}

}  // namespace

void addCompileCommand(CLI::App& app) {
  auto options = std::make_shared<CompileCommandOptions>();
  CLI::App* command =
      app.add_subcommand("compile", "compile a model into a fused native library (an artifact)");
  options->model.addTo(*command);
  command->add_option("-o,--output", options->output, "artifact directory to write (replaced if it is one)")
      ->required();
  command
      ->add_option(
          "--target", options->target,
          fmt::format("{} or a full Halide target string", fmt::join(codegen::knownTargetNames(), ", ")))
      ->capture_default_str();
  command->add_option("--strategy", options->strategy, "fusion strategy: none, pattern or dnnfusion")
      ->check(CLI::IsMember({"none", "pattern", "dnnfusion"}))
      ->capture_default_str();
  command->add_option("--schedule", options->schedule, "default (kiln's templates) or auto (Mullapudi2016)")
      ->check(CLI::IsMember({"default", "auto"}))
      ->capture_default_str();
  command->add_option("--schedule-config", options->schedule_config,
                      "JSON file of per-block schedule configs to use instead of the defaults: an artifact's "
                      "manifest.json, or {\"<block>\": {\"template\": ..., \"params\": {...}}}");
  command->add_option("--name", options->name, "C name of the model (default: from the file name)");
  command->add_option("-j,--jobs", options->jobs, "blocks compiled at once (default: one per core)")
      ->check(CLI::NonNegativeNumber);
  command->add_option("--memory-limit", options->memory_limit,
                      "most memory (weights and activations) the model may need where it runs, e.g. 4G "
                      "(default: KILN_MEMORY_LIMIT, else this machine's memory)");
  command->add_flag(
      "--untuned", options->untuned,
      "ignore the schedules `kiln tune` chose (kept in the tuning database, --db) and give every "
      "block its default");
  CLI::Option* bundle =
      command->add_flag("--bundle", options->bundle,
                        "also write lib<name>_bundle.a and <name>_bundle.h: the model as one static library "
                        "with an entry point <name>_run, for programs without kiln's runtime (CPU targets)");
  command->add_flag("--embed-weights", options->embed_weights, "link the weights into the bundle")
      ->needs(bundle);
  command->add_flag("-v,--verbose", options->verbose,
                    "also list every block's schedule and the blocks that took longest to compile");
  options->machine.addTo(*command);
  options->latency.addTo(*command);
  command->callback([options] { run(*options); });
}

}  // namespace kiln::tools
