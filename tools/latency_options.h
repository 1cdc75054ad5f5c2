// How fusion prices its "decide by profit" pairs, shared by `kiln partition` and `kiln compile`: the roofline
// (the default: instant, and possible for any target), or block times measured on this machine and kept in
// the tuning database (tuning/measured_latency_model.h), which takes minutes the first time a model's
// candidate blocks are seen and moments after.
#pragma once

#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "tuning/measured_latency_model.h"

namespace kiln::tools {

// The database and the model that reads it, alive for as long as the plan is being made.
struct MeasuredLatency {
  MeasuredLatency(const std::filesystem::path& db, tuning::MeasuredLatencyOptions options)
      : database(db), model(database, std::move(options)) {}
  tuning::TimingDatabase database;
  tuning::MeasuredLatencyModel model;

  // "fusion: 38 profit decisions priced from 61 measured blocks (12 timed now, 49 from ~/.cache/...)"
  std::string summary() const;
};

struct LatencyOptions {
  std::string latency = "roofline";
  std::string db;  // empty: the per-user database beside the machine's cached figures
  bool remeasure = false;

  void addTo(CLI::App& command);
  // The measured model for `target` with `threads` threads and plans priced for `machine` (kiln::Error for a
  // target that does not run here), with --latency measured; otherwise null. Progress lines go to stderr.
  std::unique_ptr<MeasuredLatency> measured(const std::string& target, int threads,
                                            const fusion::Machine& machine) const;
  bool plansWithMeasurements() const { return latency == "measured"; }
  // The database --db names, or the per-user one.
  std::filesystem::path database() const;
  // That database if its file exists, else null; kiln::Error for a --db file that does not exist (unless
  // --latency measured, which creates it).
  std::unique_ptr<tuning::TimingDatabase> existingDatabase() const;
};

// The tuning database used when --db is not given: tuning.db beside the machine's cached figures.
std::filesystem::path defaultTuningDatabase();

}  // namespace kiln::tools
