// `kiln bench`: the artifact's end-to-end latency against LibTorch on the same machine, in one process.
//
// Three contenders run the same seeded inputs on the same thread count: the kiln artifact (runtime only),
// the TorchScript module as loaded (LibTorch eager/interpreter), and the module frozen and passed through
// optimize_for_inference (LibTorch's strongest CPU path: oneDNN convolutions, folded batch norm). Runs are
// interleaved, each contender once per round in rotating order, so drifting clocks and background load hit
// all three alike; each timed run follows a pause (so no contender pays for the threads another leaves
// spinning) and 20 ms of untimed runs of the same contender (so its own threads are awake). Medians and
// ratios are reported. Memory compares kiln's activation arena with the most bytes LibTorch's allocator held
// during one forward (its profiler's allocation events; oneDNN's internal scratch is not counted).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace kiln::profiling {

struct BenchOptions {
  int runs = 30;    // rounds; each runs every contender once
  int warmup = 3;   // rounds before timing
  int threads = 0;  // 0: one per core
  uint64_t seed = 1;
};

struct Contender {
  std::string name;
  double median_seconds = 0, p90_seconds = 0;
  int64_t memory_bytes = 0;  // kiln: the activation arena; LibTorch: peak allocator bytes in one forward
};

struct BenchResult {
  std::string model, artifact;
  int threads = 0, runs = 0;
  std::vector<Contender> contenders;  // kiln, LibTorch eager, LibTorch optimized
  double max_scaled_error = 0;        // kiln's outputs against eager's, max |a - r| / max |r|

  const Contender& kiln() const { return contenders.at(0); }
};

BenchResult benchmark(const std::filesystem::path& model, const std::filesystem::path& artifact_dir,
                      const BenchOptions& options);

std::string benchText(const BenchResult& result);
nlohmann::json benchJson(const BenchResult& result);

}  // namespace kiln::profiling
