// The tuning database: measured block times, kept on disk so each block is measured once per machine.
//
// Three SQLite tables: `block_times`, one row per (block signature, target, machine, threads, schedule
// config) with the measurement's median and spread; `tuned_configs`, one row per (block signature, target,
// machine, threads) with the config `kiln tune` chose and its measured speedup over the default; and
// `plan_figures`, one row per machine with the roofline figures its tunes planned with (PlanFigures). SQLite
// gives what a cache shared by concurrent compiles needs: writes are transactions (a crash mid-write leaves
// the previous state), write-ahead logging lets readers and a writer work at once, and a busy timeout makes a
// second writer wait instead of failing. `sqlite3 FILE` opens it:
//
//   SELECT target, threads, median_s * 1e6 AS us, substr(signature, 1, 60) FROM block_times;
#pragma once

#include <filesystem>
#include <optional>
#include <string>

struct sqlite3;

namespace kiln::tuning {

// What a measurement is of. `signature` is the block's computation (ir/subgraph.h), `target` the Halide
// target string it ran as, `machine` the CPU that ran it (profiling's machine identity).
struct TimingKey {
  std::string signature, target, machine;
  int threads = 1;
  std::string config = "default";  // the schedule: "default", or a template and config (schedule_config.h)
};

// Seconds per run of the block alone: the median of `runs` timed runs and the 10th and 90th percentiles.
struct BlockTiming {
  double median_seconds = 0.0, p10_seconds = 0.0, p90_seconds = 0.0;
  int runs = 0;
};

// The roofline figures a database's tunes planned with on one machine (profiling/machine_probe.h's peaks):
// fusion forms blocks by them, and a tuned choice is kept by its block's signature, so a compile that uses
// the choices must plan with the same figures. A later `kiln machine` may measure this VM otherwise.
struct PlanFigures {
  double core_flops = 0, all_core_flops = 0, bandwidth = 0;
};

// A machine identity without its host name ("AMD EPYC x2 on vm" -> "AMD EPYC x2"): rows measured on one
// machine of a kind hold for another of the same kind.
std::string machineKind(const std::string& machine);

class TimingDatabase {
 public:
  // Opens or creates the database; kiln::Error naming the file when it cannot (or is not a tuning database).
  explicit TimingDatabase(const std::filesystem::path& path);
  ~TimingDatabase();
  TimingDatabase(const TimingDatabase&) = delete;
  TimingDatabase& operator=(const TimingDatabase&) = delete;

  std::optional<BlockTiming> find(const TimingKey& key) const;
  // The config `kiln tune` chose for `key`'s block, target, machine and threads (key.config is ignored), or
  // nothing if the block was not tuned there.
  std::optional<std::string> tunedConfig(const TimingKey& key) const;
  // Records the search's choice for `key`'s block (key.config: the chosen config) and how much faster than
  // its default it measured.
  void storeTunedConfig(const TimingKey& key, double speedup);
  // Inserts or replaces the row for `key`.
  void store(const TimingKey& key, const BlockTiming& timing);
  // The figures tunes planned with on `machine`, or nothing before the first tune there.
  std::optional<PlanFigures> planFigures(const std::string& machine) const;
  // Records `figures` for `machine` unless figures are already kept for it; the figures kept. Two tunes
  // starting at once agree on the first to write.
  PlanFigures keepPlanFigures(const std::string& machine, const PlanFigures& figures);
  const std::filesystem::path& path() const { return path_; }

  // Copies every row of `machine` (times, choices and plan figures) into a new database file, replacing it if
  // it exists; the rows copied.
  int exportRows(const std::string& machine, const std::filesystem::path& file) const;
  // Adds the rows (times, choices and plan figures) of another database measured on a machine of this one's
  // kind (its CPU and thread count: machineKind), stored as measured on `machine`, replacing rows with the
  // same key. The rows imported and the rows of other kinds of machine left out.
  struct ImportCounts {
    int imported = 0, other_machines = 0;
  };
  ImportCounts importRows(const std::filesystem::path& file, const std::string& machine);

 private:
  std::filesystem::path path_;
  sqlite3* db_ = nullptr;
};

}  // namespace kiln::tuning
