#include "tools/latency_options.h"

#include <cstdio>

#include <fmt/format.h>

#include "ir/error.h"
#include "ir/files.h"
#include "profiling/machine_probe.h"

namespace kiln::tools {

std::filesystem::path defaultTuningDatabase() {
  return userCacheDirectory() / "tuning.db";
}

void LatencyOptions::addTo(CLI::App& command) {
  command
      .add_option("--latency", latency,
                  "what prices fusion's profit decisions: roofline (estimated) or measured (each candidate "
                  "block compiled and timed on this machine, kept in the tuning database)")
      ->check(CLI::IsMember({"roofline", "measured"}))
      ->capture_default_str();
  command.add_option(
      "--db", db,
      fmt::format("tuning database: block times for --latency measured, the schedules "
                  "`kiln tune` chose and the machine figures its tunes planned with (default {})",
                  defaultTuningDatabase().string()));
  command.add_flag(
      "--remeasure", remeasure,
      "with --latency measured: time every candidate block again, replacing the database's rows");
}

std::unique_ptr<MeasuredLatency> LatencyOptions::measured(const std::string& target, int threads,
                                                          const fusion::Machine& machine) const {
  if (!plansWithMeasurements()) {
    if (remeasure) fail("--remeasure goes with --latency measured");
    return nullptr;
  }
  tuning::MeasuredLatencyOptions options;
  options.timer.target = target;
  options.timer.threads = threads;
  options.timer.machine = machine;
  options.machine = profiling::machineIdentity();
  options.remeasure = remeasure;
  options.progress = [](const std::string& line) { std::fprintf(stderr, "kiln: %s\n", line.c_str()); };
  return std::make_unique<MeasuredLatency>(database(), std::move(options));
}

std::filesystem::path LatencyOptions::database() const {
  return db.empty() ? defaultTuningDatabase() : std::filesystem::path(db);
}

std::unique_ptr<tuning::TimingDatabase> LatencyOptions::existingDatabase() const {
  const std::filesystem::path path = database();
  if (std::filesystem::exists(path)) return std::make_unique<tuning::TimingDatabase>(path);
  // --latency measured creates it.
  if (!db.empty() && !plansWithMeasurements())
    fail("--db {}: no such tuning database (`kiln tune` writes one)", path.string());
  return nullptr;
}

std::string MeasuredLatency::summary() const {
  const tuning::MeasurementCounts& counts = model.counts();
  return fmt::format(
      "fusion priced {} candidate blocks by measurement ({} timed now, {} from {}), {} by the "
      "roofline (could not be compiled alone)",
      counts.measured + counts.cached, counts.measured, counts.cached, database.path().string(),
      counts.estimated);
}

}  // namespace kiln::tools
