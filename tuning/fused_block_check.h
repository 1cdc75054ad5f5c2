// Does the code deliver the plan's fusion? Every block of more than one op, timed as planned, against the
// sum of its ops' times each compiled as a block of its own. A fused block slower than its ops apart is a
// plan the generated code cannot realize: the cost model called the fusion profitable and the machine
// disagrees.
//
// Both sides are measured inside their models, not alone: the plan and the plan of every op apart are
// compiled for this machine and run in alternating rounds (so the VM's drift reaches both alike), and each
// block's time is the 10th percentile of the runtime's per-block timestamps over every timed run (as in
// `kiln profile` comparisons: the shared VM's interference only ever adds time), each block's outputs
// brought into cache before its clock starts (runtime::BlockTimes::warm_outputs: the two plans' arenas put
// values in different places, and a block storing to memory untouched since the last run is charged for
// it, which made EfficientNet-B0's first depthwise + silu block look 1.3-1.46x slower fused). Timed alone, a
// block reads inputs its model would have left in cache and runs after no other block: MobileNetV2's
// projection + residual add + expand block measured 104 us alone against 64 us for its ops alone, and 50 us
// against 56 us inside the two models (AMD Zen 4, 2 threads).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "fusion/cost_model.h"
#include "fusion/plan.h"

namespace kiln::tuning {

struct FusedBlockCheck {
  int block = 0;
  std::string pattern;       // the block's op kinds joined by '+'
  double fused_seconds = 0;  // the block as planned
  double apart_seconds = 0;  // the sum of its ops, each a block of its own

  double slowdown() const { return apart_seconds > 0 ? fused_seconds / apart_seconds : 0; }
};

struct FusionCheckOptions {
  int threads = 1;
  int rounds = 20;          // alternations of the two models
  int runs_per_round = 5;   // timed runs of each model per round, after one untimed run
  fusion::Machine machine;  // what the plans were priced for (their strip heights)
  std::function<void(const std::string& line)> progress = {};
};

// `apart` must hold one op per block (the "none" strategy's plan). One entry per block of `plan` of more
// than one op, in plan order. kiln::Error when either plan cannot be compiled or run on this machine.
std::vector<FusedBlockCheck> checkFusedBlocks(const ir::Graph& graph, const fusion::Plan& plan,
                                              const fusion::Plan& apart, const FusionCheckOptions& options);

// A table for people: block, pattern, fused and apart times, their ratio, and which blocks are slower fused
// by more than `tolerance` (0.1: 10 %), then one summary line.
std::string fusedBlockTable(const std::vector<FusedBlockCheck>& checks, double tolerance);

}  // namespace kiln::tuning
