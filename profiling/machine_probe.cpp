#include "profiling/machine_probe.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ir/error.h"
#include "ir/files.h"

namespace kiln::profiling {

namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Twelve independent chains of vector FMAs: enough in flight to cover two FMA units' four-cycle latency, few
// enough to stay in registers. Each step of a chain is 2 FLOPs per lane.
constexpr int kChains = 12;

typedef float Float16 __attribute__((vector_size(64)));
typedef float Float8 __attribute__((vector_size(32)));
typedef float Float4 __attribute__((vector_size(16)));

template <typename Vector>
__attribute__((always_inline)) inline float fmaChains(int64_t steps) {
  constexpr int kLanes = sizeof(Vector) / sizeof(float);
  Vector acc[kChains];
  for (int c = 0; c < kChains; ++c)
    for (int l = 0; l < kLanes; ++l) acc[c][l] = 1.0f + 0.001f * (c * kLanes + l);
  const Vector scale = Vector{} + 0.9999f, offset = Vector{} + 0.0001f;
  for (int64_t s = 0; s < steps; ++s) {
#pragma GCC unroll 12
    for (int c = 0; c < kChains; ++c) acc[c] = acc[c] * scale + offset;
  }
  float sum = 0;
  for (int c = 0; c < kChains; ++c)
    for (int l = 0; l < kLanes; ++l) sum += acc[c][l];
  return sum;
}

#if defined(__x86_64__)
__attribute__((target("avx512f,fma"))) float fmaChainsAvx512(int64_t steps) {
  return fmaChains<Float16>(steps);
}
__attribute__((target("avx2,fma"))) float fmaChainsAvx2(int64_t steps) {
  return fmaChains<Float8>(steps);
}
#endif
float fmaChainsGeneric(int64_t steps) {
  return fmaChains<Float4>(steps);
}

struct FmaKernel {
  const char* isa;
  int lanes;
  float (*run)(int64_t);
};

FmaKernel widestFmaKernel() {
#if defined(__x86_64__)
  if (__builtin_cpu_supports("avx512f")) return {"avx512", 16, fmaChainsAvx512};
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return {"avx2", 8, fmaChainsAvx2};
#endif
  return {"generic", 4, fmaChainsGeneric};
}

// FLOP/s of `threads` threads running the kernel at once; the best of three tries of ~0.15 s each.
double measureFlops(const FmaKernel& kernel, int threads) {
  const int64_t steps = 20'000'000;
  const double flops_per_thread = 2.0 * kernel.lanes * kChains * static_cast<double>(steps);
  double best = 0;
  for (int attempt = 0; attempt < 3; ++attempt) {
    std::vector<float> sinks(threads);
    std::vector<std::thread> workers;
    const Clock::time_point start = Clock::now();
    for (int t = 0; t < threads; ++t) workers.emplace_back([&, t] { sinks[t] = kernel.run(steps); });
    for (std::thread& worker : workers) worker.join();
    best = std::max(best, flops_per_thread * threads / secondsSince(start));
    if (sinks[0] == 12345.0f) std::fputs("", stderr);  // keeps the results observable
  }
  return best;
}

// STREAM triad a = b + s*c on every core, each thread over its own slice (touched first by that thread);
// 12 bytes per element, the best of five passes.
double measureBandwidth(int threads) {
  const size_t elements = size_t{24} << 20;  // 3 arrays x 96 MiB: far beyond any last-level cache
  std::unique_ptr<float[]> a(new float[elements]), b(new float[elements]), c(new float[elements]);
  auto slice = [&](int t) { return std::pair(elements * t / threads, elements * (t + 1) / threads); };
  auto onEveryThread = [&](auto body) {
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t)
      workers.emplace_back([&, t] {
        auto [begin, end] = slice(t);
        body(begin, end);
      });
    for (std::thread& worker : workers) worker.join();
  };
  onEveryThread([&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) a[i] = 0, b[i] = 1, c[i] = 2;
  });
  double best = 0;
  for (int pass = 0; pass < 5; ++pass) {
    const Clock::time_point start = Clock::now();
    onEveryThread([&](size_t begin, size_t end) {
      for (size_t i = begin; i < end; ++i) a[i] = b[i] + 0.5f * c[i];
    });
    best = std::max(best, 12.0 * elements / secondsSince(start));
  }
  return best;
}

std::string cpuModel() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line))
    if (line.rfind("model name", 0) == 0 || line.rfind("Model", 0) == 0) {
      const size_t colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(' ', colon + 1));
    }
  return "unknown CPU";
}

std::string today() {
  const std::time_t now = std::time(nullptr);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d", std::localtime(&now));
  return text;
}

nlohmann::json toJson(const MachinePeaks& p) {
  return {{"identity", p.identity},     {"vector_isa", p.vector_isa},         {"cores", p.cores},
          {"core_flops", p.core_flops}, {"all_core_flops", p.all_core_flops}, {"bandwidth", p.bandwidth},
          {"measured", p.source}};
}

// The cached figures when the cache is this machine's and well formed.
std::optional<MachinePeaks> readCache(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return std::nullopt;
  try {
    const nlohmann::json j = nlohmann::json::parse(readFile(path));
    MachinePeaks p;
    p.identity = j.at("identity").get<std::string>();
    if (p.identity != machineIdentity()) return std::nullopt;
    p.vector_isa = j.at("vector_isa").get<std::string>();
    p.cores = j.at("cores").get<int>();
    p.core_flops = j.at("core_flops").get<double>();
    p.all_core_flops = j.at("all_core_flops").get<double>();
    p.bandwidth = j.at("bandwidth").get<double>();
    p.source = fmt::format("{} (cache {})", j.at("measured").get<std::string>(), path.string());
    return p;
  } catch (const std::exception&) {
    return std::nullopt;  // a damaged cache is measured again and overwritten
  }
}

// Holds an exclusive lock on a file beside the cache for as long as it lives.
class CacheLock {
 public:
  explicit CacheLock(const fs::path& path) : fd_(open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644)) {
    if (fd_ >= 0) flock(fd_, LOCK_EX);
  }
  ~CacheLock() {
    if (fd_ >= 0) close(fd_);
  }

 private:
  int fd_;
};

}  // namespace

std::string machineIdentity() {
  char host[256] = "unknown-host";
  gethostname(host, sizeof host - 1);
  return fmt::format("{} x{} on {}", cpuModel(), hardwareThreads(), host);
}

int hardwareThreads() {
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

int threadsOrAllCores(int requested) {
  return requested > 0 ? requested : hardwareThreads();
}

double MachinePeaks::flopsWith(int threads) const {
  const int used = std::clamp(threads, 1, cores);
  return used == cores ? all_core_flops : core_flops * used;
}

fusion::Machine MachinePeaks::costModelMachine(int threads) const {
  fusion::Machine machine;
  machine.threads = std::clamp(threads, 1, cores);
  machine.peak_flops = flopsWith(machine.threads);
  machine.bandwidth = bandwidth;
  const long l2_bytes = sysconf(_SC_LEVEL2_CACHE_SIZE);
  if (l2_bytes > 0) machine.l2_bytes = l2_bytes;
  return machine;
}

MachinePeaks measureMachine() {
  MachinePeaks peaks;
  peaks.identity = machineIdentity();
  peaks.cores = hardwareThreads();
  const FmaKernel kernel = widestFmaKernel();
  peaks.vector_isa = kernel.isa;
  std::fprintf(stderr, "kiln: measuring this machine (%s, %d threads)...\n", kernel.isa, peaks.cores);
  peaks.core_flops = measureFlops(kernel, 1);
  peaks.all_core_flops = measureFlops(kernel, peaks.cores);
  peaks.bandwidth = measureBandwidth(peaks.cores);
  peaks.source = "measured " + today();
  return peaks;
}

fs::path machineCachePath() {
  return userCacheDirectory() / "machine.json";
}

MachinePeaks machinePeaks(bool remeasure) {
  const fs::path path = machineCachePath();
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (!remeasure)
    if (auto cached = readCache(path)) return *cached;
  CacheLock lock(fs::path(path).concat(".lock"));
  if (!remeasure)
    if (auto cached = readCache(path)) return *cached;  // another process measured while we waited
  MachinePeaks peaks = measureMachine();
  try {
    writeFileAtomically(path, toJson(peaks).dump(2) + "\n");
  } catch (const Error& e) {
    std::fprintf(stderr, "kiln: warning: could not cache the machine's figures: %s\n", e.what());
  }
  return peaks;
}

std::string describeMachine(const MachinePeaks& p) {
  return fmt::format(
      "machine: {}\n"
      "  peak FP32 ({} FMA): {:.1f} GFLOP/s per core, {:.1f} GFLOP/s on {} threads\n"
      "  memory bandwidth (triad, {} threads): {:.1f} GB/s\n"
      "  ridge point: {:.1f} FLOP/byte on all threads\n"
      "  source: {}\n",
      p.identity, p.vector_isa, p.core_flops / 1e9, p.all_core_flops / 1e9, p.cores, p.cores,
      p.bandwidth / 1e9, p.all_core_flops / p.bandwidth, p.source);
}

}  // namespace kiln::profiling
