#include "profiling/bench.h"

#include <chrono>
#include <functional>
#include <thread>

#include <ATen/Parallel.h>
#include <fmt/format.h>
#include <torch/script.h>

#include "ir/error.h"
#include "ir/statistics.h"
#include "ir/units.h"
#include "profiling/libtorch_profile.h"
#include "profiling/machine_probe.h"
#include "runtime/model.h"
#include "validation/torch_model.h"
#include "validation/validate.h"

namespace kiln::profiling {

namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

// Longer than libgomp's workers spin before they sleep (GOMP_SPINCOUNT, 300000 spins by default; a spin's
// length varies by CPU, and 10 ms was already enough on AMD Zen 4).
constexpr std::chrono::milliseconds kSpinDown(50);
// How long a contender runs untimed before each timed run.
constexpr std::chrono::milliseconds kLeadIn(20);

struct Runner {
  std::string name;
  std::function<void()> run;
  std::vector<double> samples;
};

double scaledError(const std::vector<at::Tensor>& actual, const std::vector<at::Tensor>& reference) {
  double worst = 0;
  for (size_t o = 0; o < actual.size() && o < reference.size(); ++o) {
    const double scale = std::max(reference[o].abs().max().item<double>(), 1e-30);
    worst = std::max(worst, (actual[o] - reference[o]).abs().max().item<double>() / scale);
  }
  return worst;
}

}  // namespace

BenchResult benchmark(const fs::path& model_path, const fs::path& artifact_dir, const BenchOptions& options) {
  if (options.runs < 1 || options.warmup < 0) fail("--runs must be at least 1 and --warmup at least 0");
  runtime::Model model(artifact_dir);
  BenchResult result;
  result.model = model.manifest().model;
  result.artifact = artifact_dir.string();
  result.threads = threadsOrAllCores(options.threads);
  result.runs = options.runs;
  model.setNumThreads(result.threads);
  at::set_num_threads(result.threads);

  const std::vector<at::Tensor> inputs = validation::seededInputs(model.manifest(), options.seed);
  torch::jit::Module eager = validation::loadTorchModule(model_path);
  torch::jit::Module loaded_again = validation::loadTorchModule(model_path);
  torch::jit::Module optimized = torch::jit::optimize_for_inference(loaded_again);
  std::vector<at::Tensor> kiln_outputs;
  std::vector<Runner> runners = {
      {"kiln", [&] { kiln_outputs = validation::runArtifact(model, inputs); }, {}},
      {"LibTorch eager", [&] { validation::runTorch(eager, inputs); }, {}},
      {"LibTorch frozen+optimize_for_inference", [&] { validation::runTorch(optimized, inputs); }, {}}};

  for (int round = 0; round < options.warmup + options.runs; ++round)
    for (size_t k = 0; k < runners.size(); ++k) {
      Runner& runner = runners[(round + k) % runners.size()];
      // LibTorch's OpenMP workers keep spinning for milliseconds after a forward (libgomp's default wait
      // policy) and, with as many threads as cores, take a core from whoever runs next (ResNet-18, 2 threads:
      // kiln's median 28.2 ms right after LibTorch, 23.8 ms after itself). A pause lets them go to sleep, so
      // that no contender's run is timed beside another's spinning threads (MobileNetV2 on AMD Zen 4, 2
      // threads: kiln 4.5 ms without the pause, 3.2 ms with OMP_WAIT_POLICY=passive). Then untimed lead-in
      // runs for kLeadIn, so that each timed run follows runs of the same contender, back to back as ONNX
      // Runtime's are timed: after the pause a sleeping thread takes milliseconds to run again on this VM,
      // and until it does the others do its work (ShuffleNetV2, 2 threads: kiln 3.9 ms after one lead-in run,
      // 1.9 ms after two to ten; LibTorch frozen 5.6 and 5.3 ms).
      std::this_thread::sleep_for(kSpinDown);
      const Clock::time_point lead_in = Clock::now();
      do runner.run();
      while (Clock::now() - lead_in < kLeadIn);
      const Clock::time_point start = Clock::now();
      runner.run();
      if (round >= options.warmup)
        runner.samples.push_back(std::chrono::duration<double>(Clock::now() - start).count());
    }
  result.max_scaled_error = scaledError(kiln_outputs, validation::runTorch(eager, inputs));
  for (Runner& runner : runners)
    result.contenders.push_back({runner.name, median(runner.samples), percentile(runner.samples, 90), 0});
  result.contenders[0].memory_bytes = static_cast<int64_t>(model.arena().arena_bytes);
  result.contenders[1].memory_bytes = peakAllocatedBytes(runners[1].run);
  result.contenders[2].memory_bytes = peakAllocatedBytes(runners[2].run);
  return result;
}

std::string benchText(const BenchResult& r) {
  std::string text = fmt::format("kiln bench: {} ({}), {} threads, {} interleaved rounds\n\n", r.model,
                                 r.artifact, r.threads, r.runs);
  text += fmt::format("{:<40} {:>10} {:>10} {:>12} {:>12}\n", "", "median ms", "p90 ms", "kiln speedup",
                      "memory");
  for (const Contender& c : r.contenders)
    text += fmt::format("{:<40} {:>10.3f} {:>10.3f} {:>11.2f}x {:>12}\n", c.name, c.median_seconds * 1e3,
                        c.p90_seconds * 1e3, c.median_seconds / r.kiln().median_seconds,
                        binaryBytes(c.memory_bytes));
  text += fmt::format(
      "\nkiln speedup = contender median / kiln median. Memory: kiln's activation arena; LibTorch's peak "
      "allocator bytes during one forward.\nkiln's outputs against eager's: max |difference| / max "
      "|reference| "
      "= {:.2e}\n",
      r.max_scaled_error);
  return text;
}

nlohmann::json benchJson(const BenchResult& r) {
  nlohmann::json contenders = nlohmann::json::array();
  for (const Contender& c : r.contenders)
    contenders.push_back({{"name", c.name},
                          {"median_seconds", c.median_seconds},
                          {"p90_seconds", c.p90_seconds},
                          {"kiln_speedup", c.median_seconds / r.kiln().median_seconds},
                          {"memory_bytes", c.memory_bytes}});
  return {{"model", r.model}, {"artifact", r.artifact},   {"threads", r.threads},
          {"runs", r.runs},   {"contenders", contenders}, {"max_scaled_error", r.max_scaled_error}};
}

}  // namespace kiln::profiling
