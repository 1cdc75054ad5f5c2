// Measures a block: compiles a graph of one block's ops (ir/subgraph.h) as a one-block artifact, exactly as
// `kiln compile` would compile that block (same lowering, default schedule and strip height for the plan's
// machine), loads it with the runtime and times the block call over repeated runs.
//
// Its inputs and outputs are laid out as activations between blocks are (NHWC), not as a model's row-major
// inputs and outputs, so the block reads and writes memory as it does inside its model: MobileNetV2's last
// relu6 + 1x1 conv took 566 us alone with row-major boundaries and 92 us inside the model. The block reads
// deterministic pseudo-random inputs (indices and masks are zeros) and its real weights. Times are the
// runtime's own per-block timestamps, as `kiln profile` reports them.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "codegen/schedule.h"
#include "fusion/cost_model.h"
#include "ir/graph.h"
#include "runtime/model.h"
#include "tuning/timing_database.h"

namespace kiln::tuning {

struct TimerOptions {
  std::string target = "host";  // must run on this machine
  int threads = 1;
  int warmup = 3;
  int runs = 15;
  fusion::Machine machine;    // what the block's plan (its strip height) is priced for
  bool cold_weights = false;  // weights flushed from the caches before each run (runtime::BlockTimes)
};

// Runs a loaded artifact on deterministic pseudo-random inputs with `threads` threads, `warmup` runs and then
// `runs` timed ones: each block's times in seconds, samples[block][run], from the runtime's per-block
// timestamps, with each block's outputs brought into cache first if `warm_outputs` and its weights flushed
// from the caches if `cold_weights` (runtime::BlockTimes). runtime::Error when a run fails.
std::vector<std::vector<double>> timeBlocks(runtime::Model& model, int threads, int warmup, int runs,
                                            bool warm_outputs = false, bool cold_weights = false);

// Per artifact, per block: the 10th percentile of every timed run over `rounds` rounds, the artifacts taking
// turns each round, so that a machine whose speed drifts slows each alike (runtime::Error when a run fails).
std::vector<std::vector<double>> alternatingBlockTimes(const std::vector<std::filesystem::path>& artifacts,
                                                       int threads, int rounds, int runs_per_round,
                                                       bool warm_outputs);

// Compiles `block` alone into the artifact directory `artifact`, with `config` in place of its default
// schedule when given (checked against the block's space). kiln::Error when it cannot be compiled alone.
void compileOneBlock(const ir::Graph& block, const TimerOptions& options,
                     const codegen::ScheduleConfig* config, const std::filesystem::path& artifact);

// Times the one block of an artifact compileOneBlock wrote. kiln::Error when it does not run.
BlockTiming timeOneBlock(const std::filesystem::path& artifact, const TimerOptions& options);

// compileOneBlock with the default schedule, then timeOneBlock. kiln::Error when the block cannot be compiled
// or run alone (the message names why).
BlockTiming timeAsOneBlock(const ir::Graph& block, const TimerOptions& options);

// What running one block costs beyond its work: a block with next to none (a relu over 16 channels of one
// row per thread, the rows a parallel loop), timed like any other, its calls back to back as a model's are.
BlockTiming timeBlockLaunch(const TimerOptions& options);

}  // namespace kiln::tuning
