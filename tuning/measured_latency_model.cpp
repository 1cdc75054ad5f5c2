#include "tuning/measured_latency_model.h"

#include <fmt/format.h>

#include "codegen/target.h"
#include "ir/error.h"
#include "ir/printer.h"
#include "ir/subgraph.h"

namespace kiln::tuning {
namespace {

std::string opKinds(const ir::Graph& block) {
  std::string kinds;
  for (const ir::Op& op : block.ops()) kinds += (kinds.empty() ? "" : "+") + op.kind;
  return kinds;
}

}  // namespace

MeasuredLatencyModel::MeasuredLatencyModel(TimingDatabase& database, MeasuredLatencyOptions options)
    : database_(database),
      options_(std::move(options)),
      fallback_(options_.timer.machine),
      halide_target_(codegen::resolveTarget(options_.timer.target).halide.to_string()) {
  if (!codegen::runsOnHost(codegen::resolveTarget(options_.timer.target).halide))
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

fusion::BlockLatency MeasuredLatencyModel::measure(const ir::Graph& block, const TimingKey& key) const {
  const std::string kinds = opKinds(block);
  try {
    const BlockTiming timing = timeAsOneBlock(block, options_.timer);
    database_.store(key, timing);
    ++counts_.measured;
    if (options_.progress)
      options_.progress(fmt::format("measured {}: {:.1f} us (p10 {:.1f}, p90 {:.1f})", kinds,
                                    timing.median_seconds * 1e6, timing.p10_seconds * 1e6,
                                    timing.p90_seconds * 1e6));
    return {timing.median_seconds, true};
  } catch (const std::exception& e) {
    ++counts_.estimated;
    if (options_.progress)
      options_.progress(fmt::format("could not measure {} ({}); the roofline prices it", kinds, e.what()));
    return {0.0, false};
  }
}

std::string MeasuredLatencyModel::describe() const {
  return fmt::format("measured block times ({} threads, {}; database {}), else {}", options_.timer.threads,
                     options_.machine, database_.path().string(), fallback_.describe());
}

}  // namespace kiln::tuning
