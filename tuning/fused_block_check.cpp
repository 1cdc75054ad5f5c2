#include "tuning/fused_block_check.h"

#include <fmt/format.h>

#include "fusion/metrics.h"

namespace kiln::tuning {

std::vector<FusedBlockCheck> checkFusedBlocks(const ir::Graph& graph, const fusion::Plan& plan,
                                              const fusion::LatencyModel& latency) {
  const ir::UseIndex uses(graph);
  std::vector<FusedBlockCheck> checks;
  for (const fusion::Block& block : plan.blocks) {
    if (block.ops.size() < 2) continue;
    FusedBlockCheck check{block.id, fusion::patternOf(graph, block.ops), 0, 0, true};
    for (int op : block.ops) {
      const fusion::BlockLatency alone = latency.blockLatency(graph, uses, {op});
      check.apart_seconds += alone.seconds;
      check.measured = check.measured && alone.measured;
    }
    const fusion::BlockLatency fused = latency.blockLatency(graph, uses, block.ops);
    check.fused_seconds = fused.seconds;
    check.measured = check.measured && fused.measured;
    checks.push_back(std::move(check));
  }
  return checks;
}

std::string fusedBlockTable(const std::vector<FusedBlockCheck>& checks, double tolerance) {
  std::string text =
      fmt::format("{:>5}  {:<44} {:>10} {:>10} {:>7}\n", "block", "pattern", "fused us", "apart us", "ratio");
  int slower = 0, estimated = 0;
  double fused_total = 0, apart_total = 0;
  for (const FusedBlockCheck& check : checks) {
    const bool too_slow = check.slowdown() > 1 + tolerance;
    slower += too_slow;
    estimated += !check.measured;
    fused_total += check.fused_seconds;
    apart_total += check.apart_seconds;
    const std::string pattern =
        check.pattern.size() > 44 ? check.pattern.substr(0, 41) + "..." : check.pattern;
    text += fmt::format("{:>5}  {:<44} {:>10.1f} {:>10.1f} {:>7.2f}{}{}\n", check.block, pattern,
                        check.fused_seconds * 1e6, check.apart_seconds * 1e6, check.slowdown(),
                        too_slow ? "  SLOWER FUSED" : "", check.measured ? "" : "  (estimated)");
  }
  text += fmt::format(
      "{} fused blocks: {:.1f} us fused, {:.1f} us with every op apart; {} slower fused by more than {:.0f} "
      "%{}\n",
      checks.size(), fused_total * 1e6, apart_total * 1e6, slower, tolerance * 100,
      estimated ? fmt::format(" ({} blocks estimated by the roofline, not measured)", estimated) : "");
  return text;
}

}  // namespace kiln::tuning
