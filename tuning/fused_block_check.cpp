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

}  // namespace

std::vector<FusedBlockCheck> checkFusedBlocks(const ir::Graph& graph, const fusion::Plan& plan,
                                              const fusion::Plan& apart, const FusionCheckOptions& options) {
  for (const fusion::Block& block : apart.blocks)
    if (block.ops.size() != 1) fail("internal error: the plan to check against must hold one op per block");
  TempDirectory scratch("fusion-check");
  compileForHost(graph, plan, options, scratch.path() / "planned");
  compileForHost(graph, apart, options, scratch.path() / "apart");
  std::vector<std::vector<double>> times;
  if (options.progress)
    options.progress(fmt::format("timing both plans: {} rounds of {} runs each, alternating", options.rounds,
                                 options.runs_per_round));
  try {
    times = alternatingBlockTimes({scratch.path() / "planned", scratch.path() / "apart"}, options.threads,
                                  options.rounds, options.runs_per_round, /*warm_outputs=*/true);
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
