// Does the code deliver the plan's fusion? For every block of more than one op, its time as planned against
// the sum of its ops' times each compiled as a block of its own. A fused block slower than its ops apart is
// a plan the generated code cannot realize: the cost model called the fusion profitable and the machine
// disagrees. With a MeasuredLatencyModel both sides are measured; with the roofline, estimated.
#pragma once

#include <string>
#include <vector>

#include "fusion/cost_model.h"
#include "fusion/plan.h"

namespace kiln::tuning {

struct FusedBlockCheck {
  int block = 0;
  std::string pattern;       // the block's op kinds joined by '+'
  double fused_seconds = 0;  // the block as planned
  double apart_seconds = 0;  // the sum of its ops, each alone
  bool measured = false;     // both sides measured, not estimated

  double slowdown() const { return apart_seconds > 0 ? fused_seconds / apart_seconds : 0; }
};

// One entry per block of more than one op, in plan order.
std::vector<FusedBlockCheck> checkFusedBlocks(const ir::Graph& graph, const fusion::Plan& plan,
                                              const fusion::LatencyModel& latency);

// A table for people: block, pattern, fused and apart times, their ratio, and which blocks are slower fused
// by more than `tolerance` (0.1: 10 %), then one summary line.
std::string fusedBlockTable(const std::vector<FusedBlockCheck>& checks, double tolerance);

}  // namespace kiln::tuning
