// `kiln tune`: a measured search of each distinct block's schedule space, kept in the tuning database.
//
// The algorithm. Blocks with the same signature (ir/subgraph.h: op kinds, attributes, shapes and layouts,
// weights' values elided) are one search, weighted by how many of the model's blocks they are. Each distinct
// block is cut out of the plan and compiled alone (block_timer.h), first with the config `kiln compile` gives
// it in the model (its default), which is timed to give the block its weight (default time x occurrences).
// The budget left is then shared among the blocks in proportion to their weights, heaviest first. A block's
// search climbs from the best config so far: the configs that change one parameter of it, nearest values
// first, and a Winograd block's direct conv, are the candidates, less those whose register tile would spill
// (codegen/schedule.h's tileFitsRegisters: the cheap model, which costs no measurement). They are compiled
// in batches by worker processes (tune_job.h) and timed one after another through the runtime, and one that
// beats the best by more than the noise margin becomes the new centre. The search stops when the block's
// share of the budget is spent or no candidate is left. Then the best config and the default are timed
// again, alternating, and the best is proposed only if it is still the faster. Last (a share of the budget
// is kept for it), the model is compiled with the defaults and with the proposals and its blocks are timed
// in alternating rounds: a proposal whose blocks are not faster inside the model is dropped, since a block
// alone keeps its input and weights in cache from run to run. So a tuned block is not slower in its model
// than its default, within the noise of that comparison.
//
// Every measurement becomes a row of the database as it is taken, and the blocks' choices once checked in the
// model, so an interrupted tune keeps what it measured: a second run skips the blocks already decided and
// reuses the times of configs already measured.
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "codegen/schedule_config.h"
#include "fusion/plan.h"
#include "ir/graph.h"
#include "tuning/block_timer.h"
#include "tuning/timing_database.h"

namespace kiln::tuning {

struct TuneOptions {
  TimerOptions timer;   // target, threads and the plan's machine; runs are sized per block
  std::string machine;  // this machine's identity (profiling's machineIdentity)
  double budget_seconds = 300;
  int jobs = 2;                // worker processes compiling candidates at once
  std::filesystem::path kiln;  // the executable whose `kiln tune --worker` compiles candidates
  bool retune = false;         // search again blocks the database already has a choice for
  std::function<void(const std::string& line)> progress = {};
  const std::atomic<bool>* stop = nullptr;  // set (Ctrl-C) to end the search, keeping what was measured
};

// One distinct block's search.
struct BlockTuning {
  std::string pattern;      // its ops, "conv2d+relu"
  std::vector<int> blocks;  // the plan's blocks with this signature
  codegen::ScheduleConfig default_config, best_config;
  double default_seconds = 0, best_seconds = 0;  // the final alternating comparison's medians (alone)
  // Tuned blocks: their time inside the model (10th percentiles summed over its blocks), default and tuned.
  double model_default_seconds = 0, model_tuned_seconds = 0;
  int timed = 0;          // configs timed now
  int from_database = 0;  // configs whose times the database already held
  int failed = 0;         // configs that did not compile or run
  std::string outcome;    // "tuned", "default is best", "decided earlier", "could not be timed alone: ..."
  double speedup() const { return best_seconds > 0 ? default_seconds / best_seconds : 1.0; }
};

struct TuneReport {
  std::vector<BlockTuning> blocks;  // heaviest first
  double seconds = 0;
  bool stopped = false;  // interrupted, or the budget ran out before every block was searched
};

// Tunes the blocks of `plan`. kiln::Error when the database cannot be written; a block that cannot be
// compiled or timed alone is reported and skipped.
TuneReport tuneModel(const ir::Graph& graph, const fusion::Plan& plan, TimingDatabase& database,
                     const TuneOptions& options);

// The report as a table a person reads: per distinct block, default and tuned times, speedup, configs.
std::string tuneTable(const TuneReport& report);

// The configs the database chose for the blocks of `plan` (by block id), for ScheduleOptions::tuned:
// signature, target (a Halide target string), machine and threads as `kiln tune` stored them.
codegen::ScheduleOverrides tunedConfigs(const ir::Graph& graph, const fusion::Plan& plan,
                                        const TimingDatabase& database, const std::string& halide_target,
                                        const std::string& machine, int threads);

}  // namespace kiln::tuning
