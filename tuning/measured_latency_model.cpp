#include "tuning/measured_latency_model.h"

#include <numeric>

#include <fmt/format.h>

#include "codegen/target.h"
#include "fusion/metrics.h"
#include "ir/error.h"
#include "ir/printer.h"
#include "ir/subgraph.h"

namespace kiln::tuning {
MeasuredLatencyModel::MeasuredLatencyModel(TimingDatabase& database, MeasuredLatencyOptions options)
    : database_(database), options_(std::move(options)), fallback_(options_.timer.machine) {
  const Halide::Target target = codegen::resolveTarget(options_.timer.target).halide;
  halide_target_ = target.to_string();
  if (!codegen::runsOnHost(target))
    fail(
        "measured fusion decisions need a target that runs on this machine, not {}; use the roofline "
        "(--latency roofline) to plan for {}",
        options_.timer.target, options_.timer.target);
}

fusion::BlockLatency MeasuredLatencyModel::blockLatency(const ir::Graph& graph, const ir::UseIndex& uses,
                                                        const std::vector<int>& ops) const {
  const ir::Graph block = ir::extractOps(graph, uses, ops);
  const TimingKey key{ir::printGraph(block), halide_target_, options_.machine, options_.timer.threads};
  fusion::BlockLatency latency;
  if (auto known = known_.find(key.signature); known != known_.end()) {
    latency = known->second;
  } else if (auto stored = database_.find(key); stored && !options_.remeasure) {
    ++counts_.cached;
    latency = known_[key.signature] = {stored->median_seconds, true};
  } else {
    latency = known_[key.signature] = measure(block, key);
  }
  return latency.measured ? latency : fallback_.blockLatency(graph, uses, ops);
}

// Measurement failures fall back to the roofline; a database that cannot be written is an error.
fusion::BlockLatency MeasuredLatencyModel::measure(const ir::Graph& block, const TimingKey& key) const {
  std::vector<int> ops(block.ops().size());
  std::iota(ops.begin(), ops.end(), 0);
  const std::string pattern = fusion::patternOf(block, ops);
  BlockTiming timing;
  try {
    timing = timeAsOneBlock(block, options_.timer);
  } catch (const std::exception& e) {
    ++counts_.estimated;
    if (options_.progress)
      options_.progress(fmt::format("could not measure {} ({}); the roofline prices it", pattern, e.what()));
    return {0.0, false};
  }
  database_.store(key, timing);
  ++counts_.measured;
  if (options_.progress)
    options_.progress(fmt::format("measured block {}: {} {:.1f} us (p10 {:.1f}, p90 {:.1f})",
                                  counts_.measured, pattern, timing.median_seconds * 1e6,
                                  timing.p10_seconds * 1e6, timing.p90_seconds * 1e6));
  return {timing.median_seconds, true};
}

std::string MeasuredLatencyModel::describe() const {
  return fmt::format("measured block times ({} threads, {}; database {}), else {}", options_.timer.threads,
                     options_.machine, database_.path().string(), fallback_.describe());
}

}  // namespace kiln::tuning
