// `kiln profile`: where a compiled artifact spends its time, block by block, and how far each block is from
// what the machine can do.
//
// The artifact runs `warmup` times, then `runs` times with the runtime recording when each block starts and
// ends. Per block: median and p90 latency, the plan's FLOPs and bytes (from the manifest), the achieved
// GFLOP/s and GB/s at the median, and the roofline bound, max(FLOPs / peak, bytes / bandwidth) for the
// threads used, as a fraction of the median. With the TorchScript model, LibTorch's time for the same ops
// (see libtorch_profile.h) stands beside kiln's.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "profiling/machine_probe.h"
#include "runtime/model.h"

namespace kiln::profiling {

struct ProfileOptions {
  int runs = 50;
  int warmup = 5;
  int threads = 0;  // 0: one per core
  uint64_t seed = 1;
  std::filesystem::path model;  // the TorchScript file the artifact came from; empty: no LibTorch column
};

struct BlockProfile {
  int id = 0;
  std::string function, pattern, mapping;
  std::vector<std::string> ops;
  std::vector<int> op_indices;
  int64_t flops = 0, bytes = 0;
  double median_seconds = 0, p90_seconds = 0;
  double bound_seconds = 0;  // the roofline's least possible time
  bool memory_bound = false;
  std::optional<double> libtorch_seconds;  // LibTorch's median for the same ops
  std::vector<std::string> libtorch_ops;   // the ATen operators those ops called

  double gflops() const { return median_seconds > 0 ? flops / median_seconds / 1e9 : 0; }
  double gbs() const { return median_seconds > 0 ? bytes / median_seconds / 1e9 : 0; }
  double rooflineFraction() const { return median_seconds > 0 ? bound_seconds / median_seconds : 0; }
  double intensity() const { return bytes > 0 ? static_cast<double>(flops) / bytes : 0; }
};

struct LibTorchSide {
  double ops_seconds = 0;     // median run of the canonical graph op by op, under LibTorch's profiler
  double module_seconds = 0;  // median forward() of the TorchScript module as loaded, unprofiled
};

struct ModelProfile {
  std::string model, artifact, halide_target;
  int threads = 0, runs = 0, warmup = 0;
  MachinePeaks machine;
  double peak_flops = 0;             // at `threads`
  std::vector<BlockProfile> blocks;  // execution order
  double run_median_seconds = 0, run_p90_seconds = 0;
  std::vector<runtime::BlockTimes> timeline;  // every measured run, for the Chrome trace
  std::optional<LibTorchSide> libtorch;
  // What one block call costs with no work to speak of (tuning::timeBlockLaunch), when measured.
  std::optional<double> launch_seconds;
  std::string halide_profile;  // Halide's per-Func report, for artifacts built with its profiler

  double blockMedianSum() const;  // the table's total: the sum of the blocks' medians
  // The median over runs of each run's summed block times: what the end-to-end median should match, less the
  // runtime's own overhead (the sum of medians need not, when a disturbance hits different blocks each run).
  double blockTimePerRun() const;
};

ModelProfile profileArtifact(const std::filesystem::path& artifact_dir, const ProfileOptions& options,
                             const MachinePeaks& machine);

}  // namespace kiln::profiling
