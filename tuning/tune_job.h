// A tune job: one block's schedule candidates, compiled (and optionally timed) by `kiln tune --worker JOB`.
//
// It is the unit a tune is made of, and self-contained on purpose: the block's graph travels as IR text with
// its weights (ir/printer.h), so a worker needs nothing of the model it came from. `kiln tune` writes jobs
// and runs workers a few at a time on this machine to compile candidates in parallel, each crash or Halide
// abort confined to its worker, then times the artifacts itself one after another. A job that names a
// database is also timed by its worker and stored there, which is how a tune spreads over many machines of
// the target's kind: give each machine jobs, let an existing job scheduler run the workers, and merge their
// databases with `kiln tune --import`.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "codegen/schedule_config.h"
#include "tuning/block_timer.h"

namespace kiln::tuning {

struct TuneJob {
  std::filesystem::path graph;  // the block alone, IR text with full constants
  TimerOptions timer;           // target, threads and the plan's machine; warmup and runs when timed here
  std::vector<codegen::ScheduleConfig> configs;
  std::filesystem::path output;  // configs[i] compiles into output / "<i>"
  // Set to time each compiled config here and store it in this database (keys: the signature and machine).
  std::filesystem::path database;
  std::string signature, machine;
};

// JSON files; kiln::Error naming the file and field when one cannot be read.
void writeTuneJob(const TuneJob& job, const std::filesystem::path& file);
TuneJob readTuneJob(const std::filesystem::path& file);

// The config column of a block_times row: the config's JSON and whether the weights were timed cold, which
// changes what is fastest (runtime::BlockTimes).
std::string measurementKey(const codegen::ScheduleConfig& config, const TimerOptions& timer);

// The artifact directory of configs[index], and the file that says why it failed when it did.
std::filesystem::path candidateArtifact(const TuneJob& job, size_t index);
std::filesystem::path candidateError(const TuneJob& job, size_t index);

// Compiles every config of the job (and times and stores it when the job names a database). A config that
// fails to compile leaves no artifact and its reason in "<artifact>.error"; the others go on.
void runTuneJob(const TuneJob& job);

// Runs `kiln tune --worker` (the executable `kiln`) on each job file, at most `parallel` at once, and waits
// for all of them. Per job, why its worker failed as a whole (it could not start, or crashed), or "".
std::vector<std::string> runWorkers(const std::filesystem::path& kiln,
                                    const std::vector<std::filesystem::path>& jobs, int parallel);

}  // namespace kiln::tuning
