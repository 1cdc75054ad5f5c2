#include "tuning/fused_block_check.h"

#include <fmt/format.h>

#include "codegen/compiler.h"
#include "fusion/metrics.h"
#include "ir/error.h"
#include "ir/files.h"
#include "ir/statistics.h"
#include "runtime/error.h"
#include "tuning/block_timer.h"

namespace kiln::tuning {
namespace {

// The plan compiled for this machine into `directory`, as `kiln compile` would compile it.
void compileForHost(const ir::Graph& graph, const fusion::Plan& plan, const FusionCheckOptions& options,
                    const std::filesystem::path& directory) {
  codegen::CompileOptions compile;
  compile.model_name = "fusion_check";
  compile.schedule.threads = options.threads;
  if (options.progress)
    options.progress(fmt::format("compiling the {} plan's {} blocks", plan.strategy, plan.blocks.size()));
  codegen::compileArtifact(graph, plan, fusion::computeMetrics(graph, plan, options.machine), compile,
                           directory);
}

// Per model, per block: the 10th percentile over every timed run of the rounds, the models alternating each
// round.
std::vector<std::vector<double>> blockTimes(const std::vector<std::filesystem::path>& artifacts,
                                            const FusionCheckOptions& options) {
  std::vector<std::unique_ptr<runtime::Model>> models;
  std::vector<std::vector<std::vector<double>>> samples;  // model, block, run
  for (const auto& artifact : artifacts) {
    models.push_back(std::make_unique<runtime::Model>(artifact));
    samples.emplace_back(models.back()->manifest().blocks.size());
  }
  if (options.progress)
    options.progress(fmt::format("timing both plans: {} rounds of {} runs each, alternating", options.rounds,
                                 options.runs_per_round));
  for (int round = 0; round < options.rounds; ++round) {
    for (size_t m = 0; m < models.size(); ++m) {
      const auto times =
          timeBlocks(*models[m], options.threads, 1, options.runs_per_round, /*warm_outputs=*/true);
      for (size_t b = 0; b < times.size(); ++b)
        samples[m][b].insert(samples[m][b].end(), times[b].begin(), times[b].end());
    }
  }
  std::vector<std::vector<double>> p10s;
  for (const auto& per_block : samples) {
    p10s.emplace_back();
    for (const auto& runs : per_block) p10s.back().push_back(percentile(runs, 10));
  }
  return p10s;
}

}  // namespace

std::vector<FusedBlockCheck> checkFusedBlocks(const ir::Graph& graph, const fusion::Plan& plan,
                                              const fusion::Plan& apart, const FusionCheckOptions& options) {
  for (const fusion::Block& block : apart.blocks)
    if (block.ops.size() != 1) fail("internal error: the plan to check against must hold one op per block");
  TempDirectory scratch("fusion-check");
  compileForHost(graph, plan, options, scratch.path() / "planned");
  compileForHost(graph, apart, options, scratch.path() / "apart");
  std::vector<std::vector<double>> times;
  try {
    times = blockTimes({scratch.path() / "planned", scratch.path() / "apart"}, options);
  } catch (const runtime::Error& e) {
    fail("the plans compiled but did not run: {}", e.what());
  }
  if (times[0].size() != plan.blocks.size() || times[1].size() != apart.blocks.size())
    fail("internal error: an artifact's blocks are not its plan's");
  std::vector<FusedBlockCheck> checks;
  for (const fusion::Block& block : plan.blocks) {
    if (block.ops.size() < 2) continue;
    FusedBlockCheck check{block.id, fusion::patternOf(graph, block.ops), times[0].at(block.id), 0};
    for (int op : block.ops) check.apart_seconds += times[1].at(apart.block_of_op.at(op));
    checks.push_back(std::move(check));
  }
  return checks;
}

std::string fusedBlockTable(const std::vector<FusedBlockCheck>& checks, double tolerance) {
  std::string text =
      fmt::format("{:>5}  {:<44} {:>10} {:>10} {:>7}\n", "block", "pattern", "fused us", "apart us", "ratio");
  int slower = 0;
  double fused_total = 0, apart_total = 0;
  for (const FusedBlockCheck& check : checks) {
    const bool too_slow = check.slowdown() > 1 + tolerance;
    slower += too_slow;
    fused_total += check.fused_seconds;
    apart_total += check.apart_seconds;
    const std::string pattern =
        check.pattern.size() > 44 ? check.pattern.substr(0, 41) + "..." : check.pattern;
    text += fmt::format("{:>5}  {:<44} {:>10.1f} {:>10.1f} {:>7.2f}{}\n", check.block, pattern,
                        check.fused_seconds * 1e6, check.apart_seconds * 1e6, check.slowdown(),
                        too_slow ? "  SLOWER FUSED" : "");
  }
  text += fmt::format(
      "{} fused blocks: {:.1f} us fused, {:.1f} us with every op apart; {} slower fused by more than {:.0f} "
      "%\n",
      checks.size(), fused_total * 1e6, apart_total * 1e6, slower, tolerance * 100);
  return text;
}

}  // namespace kiln::tuning
