// `kiln run DIR`: runs a compiled artifact on a .npy input (or a seeded random one) with the runtime alone.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>

#include <fmt/format.h>

#include "ir/error.h"
#include "ir/units.h"
#include "runtime/model.h"
#include "runtime/npy.h"
#include "tools/commands.h"

namespace kiln::tools {
namespace {

struct RunCommandOptions {
  std::string artifact;
  std::vector<std::string> inputs;
  uint64_t seed = 0;
  bool random = false;
  std::vector<std::string> outputs;
  int threads = 0;
  int repeat = 1;
};

std::vector<runtime::NpyArray> loadInputs(const RunCommandOptions& options,
                                          const runtime::Manifest& manifest) {
  std::vector<runtime::NpyArray> arrays;
  if (options.random) {
    std::mt19937_64 generator(options.seed);
    std::normal_distribution<float> normal;
    for (int id : manifest.inputs) {
      runtime::NpyArray array{manifest.values.at(id).shape, {}};
      array.data.resize(static_cast<size_t>(manifest.values.at(id).bytes / sizeof(float)));
      for (float& x : array.data) x = normal(generator);
      arrays.push_back(std::move(array));
    }
    return arrays;
  }
  if (options.inputs.size() != manifest.inputs.size())
    fail("model {} takes {} input(s); give one --input FILE.npy each, or --random SEED", manifest.model,
         manifest.inputs.size());
  for (const std::string& path : options.inputs) arrays.push_back(runtime::readNpy(path));
  return arrays;
}

// One line per output: its shape, a few values, and for a vector of scores the best class.
std::string describeOutput(const runtime::ValueInfo& value, const std::vector<float>& data) {
  std::string text = fmt::format("output {} [{}]:", value.name, runtime::describeShape(value.shape));
  for (size_t i = 0; i < std::min<size_t>(5, data.size()); ++i) text += fmt::format(" {:.5g}", data[i]);
  if (data.size() > 5) text += " ...";
  if (value.shape.size() == 2 && value.shape[0] == 1 && data.size() > 1) {
    const auto best = std::max_element(data.begin(), data.end());
    text += fmt::format("  (top class {} score {:.5g})", best - data.begin(), *best);
  }
  return text;
}

void run(const RunCommandOptions& options) {
  runtime::Model model(options.artifact);
  const runtime::Manifest& manifest = model.manifest();
  model.setNumThreads(options.threads);
  const std::vector<runtime::NpyArray> arrays = loadInputs(options, manifest);
  std::vector<runtime::HostTensor> inputs;
  for (const runtime::NpyArray& array : arrays) inputs.push_back({array.data.data(), array.shape});
  std::vector<std::vector<float>> outputs;
  std::vector<float*> output_data;
  for (int id : manifest.outputs) outputs.emplace_back(manifest.values.at(id).bytes / sizeof(float));
  for (auto& output : outputs) output_data.push_back(output.data());
  std::vector<double> ms;
  for (int r = 0; r < options.repeat; ++r) {
    const auto start = std::chrono::steady_clock::now();
    model.run(inputs, output_data);
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  const double first = ms.front();
  std::nth_element(ms.begin(), ms.begin() + ms.size() / 2, ms.end());
  const std::string threads =
      options.threads > 0 ? fmt::format("{} threads", options.threads) : std::string("one thread per core");
  std::printf("ran %s: %zu blocks, first run %.2f ms, median of %d runs %.2f ms (%s)\n",
              manifest.model.c_str(), manifest.blocks.size(), first, options.repeat, ms[ms.size() / 2],
              threads.c_str());
  std::printf("memory: activation arena %s (unshared %s), weights %s mapped\n",
              binaryBytes(model.arena().arena_bytes).c_str(),
              binaryBytes(model.arena().unshared_bytes).c_str(),
              binaryBytes(static_cast<int64_t>(model.weightBytes())).c_str());
  for (size_t i = 0; i < outputs.size(); ++i) {
    const runtime::ValueInfo& value = manifest.values.at(manifest.outputs[i]);
    std::printf("%s\n", describeOutput(value, outputs[i]).c_str());
    if (i < options.outputs.size()) runtime::writeNpy(options.outputs[i], value.shape, outputs[i].data());
  }
}

}  // namespace

void addRunCommand(CLI::App& app) {
  auto options = std::make_shared<RunCommandOptions>();
  CLI::App* command = app.add_subcommand("run", "run a compiled artifact with kiln's runtime (no LibTorch)");
  command->add_option("artifact", options->artifact, "artifact directory written by `kiln compile`")
      ->required();
  auto* input =
      command->add_option("--input", options->inputs, "input tensor (.npy, float32), once per input");
  command->add_option("--random", options->seed, "use a seeded standard-normal input instead")
      ->excludes(input)
      ->each([options](const std::string&) { options->random = true; });
  command->add_option("-o,--output", options->outputs, "write the outputs (.npy), once per output");
  command->add_option("--threads", options->threads, "worker threads (default: one per core)")
      ->check(CLI::NonNegativeNumber);
  command->add_option("--repeat", options->repeat, "run this many times and report the median time")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command->callback([options] { run(*options); });
}

}  // namespace kiln::tools
