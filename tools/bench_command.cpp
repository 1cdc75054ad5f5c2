// `kiln bench MODEL.pt DIR`: end-to-end latency of the artifact against LibTorch eager and LibTorch's
// optimized path, in one process, with medians and ratios.
#include <cstdio>

#include "ir/files.h"
#include "profiling/bench.h"
#include "tools/commands.h"

namespace kiln::tools {
namespace {

struct BenchCommandOptions {
  std::string model, artifact, json;
  profiling::BenchOptions bench;
};

void run(const BenchCommandOptions& options) {
  const profiling::BenchResult result = profiling::benchmark(options.model, options.artifact, options.bench);
  std::fputs(profiling::benchText(result).c_str(), stdout);
  if (!options.json.empty()) {
    writeFileAtomically(options.json, profiling::benchJson(result).dump(2) + "\n");
    std::printf("wrote %s\n", options.json.c_str());
  }
}

}  // namespace

void addBenchCommand(CLI::App& app) {
  auto options = std::make_shared<BenchCommandOptions>();
  CLI::App* command = app.add_subcommand(
      "bench", "end-to-end latency of an artifact against LibTorch eager and optimized, in one process");
  command->add_option("model", options->model, "the TorchScript file the artifact was compiled from")
      ->required();
  command->add_option("artifact", options->artifact, "artifact directory written by `kiln compile`")
      ->required();
  command->add_option("--runs", options->bench.runs, "measured rounds (each runs every contender once)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command->add_option("--warmup", options->bench.warmup, "rounds before measuring")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  command->add_option("--threads", options->bench.threads, "threads for every contender (default: all cores)")
      ->check(CLI::NonNegativeNumber);
  command->add_option("--seed", options->bench.seed, "seed of the standard-normal inputs")
      ->capture_default_str();
  command->add_option("--json", options->json, "also write the results as JSON to this file");
  command->callback([options] { run(*options); });
}

}  // namespace kiln::tools
