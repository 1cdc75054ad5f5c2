// The tuning database: measured block times, kept on disk so each block is measured once per machine.
//
// One SQLite table, one row per (block signature, target, machine, threads, schedule config) with the
// measurement's median and spread. SQLite gives what a cache shared by concurrent compiles needs: writes are
// transactions (a crash mid-write leaves the previous state), write-ahead logging lets readers and a writer
// work at once, and a busy timeout makes a second writer wait instead of failing. `sqlite3 FILE` opens it:
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

class TimingDatabase {
 public:
  // Opens or creates the database; kiln::Error naming the file when it cannot (or is not a tuning database).
  explicit TimingDatabase(const std::filesystem::path& path);
  ~TimingDatabase();
  TimingDatabase(const TimingDatabase&) = delete;
  TimingDatabase& operator=(const TimingDatabase&) = delete;

  std::optional<BlockTiming> find(const TimingKey& key) const;
  // Inserts or replaces the row for `key`.
  void store(const TimingKey& key, const BlockTiming& timing);
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  sqlite3* db_ = nullptr;
};

}  // namespace kiln::tuning
