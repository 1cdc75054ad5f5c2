// fusion::LatencyModel with times measured on this machine: the plan fuses a "decide by profit" pair only
// when the fused block measured faster than its two parts (DNNFusion settled its "profit unknown" cells the
// same way, with a profiling database).
//
// Each candidate block is cut out of the graph (ir/subgraph.h), compiled alone and timed through the runtime
// (block_timer.h), and the time is kept in the tuning database under the block's signature, the target, the
// machine and the thread count, so a block is measured once per machine however many models contain it.
// A block that cannot be compiled alone (it reads no input, or codegen refuses it) is priced by the roofline,
// and the verdict then does not say "measured".
#pragma once

#include <functional>
#include <map>
#include <string>

#include "fusion/cost_model.h"
#include "tuning/block_timer.h"
#include "tuning/timing_database.h"

namespace kiln::tuning {

struct MeasuredLatencyOptions {
  TimerOptions timer;
  std::string machine;     // the identity of this machine (profiling's machineIdentity)
  bool remeasure = false;  // measure again even what the database holds, and replace it
  std::function<void(const std::string& line)> progress = {};
};

// How the blocks asked about were priced.
struct MeasurementCounts {
  int measured = 0;   // compiled and timed now
  int cached = 0;     // found in the database
  int estimated = 0;  // could not be measured: the roofline's estimate
};

class MeasuredLatencyModel : public fusion::LatencyModel {
 public:
  MeasuredLatencyModel(TimingDatabase& database, MeasuredLatencyOptions options);

  fusion::BlockLatency blockLatency(const ir::Graph& graph, const ir::UseIndex& uses,
                                    const std::vector<int>& ops) const override;
  std::string describe() const override;
  const MeasurementCounts& counts() const { return counts_; }

 private:
  fusion::BlockLatency measure(const ir::Graph& block, const TimingKey& key) const;

  TimingDatabase& database_;
  MeasuredLatencyOptions options_;
  fusion::RooflineModel fallback_;
  std::string halide_target_;
  mutable MeasurementCounts counts_;
  mutable std::map<std::string, fusion::BlockLatency> known_;  // by signature, for this model's lifetime
};

}  // namespace kiln::tuning
