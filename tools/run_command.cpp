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

// Element i of an array, as a number; and set from one (a standard-normal draw: an int64 input gets its
// integer part, a bool input whether it is positive).
double element(const runtime::NpyArray& array, int64_t i) {
  switch (array.dtype) {
    case runtime::ElementType::Float32:
      return reinterpret_cast<const float*>(array.bytes.data())[i];
    case runtime::ElementType::Int64:
      return static_cast<double>(reinterpret_cast<const int64_t*>(array.bytes.data())[i]);
    case runtime::ElementType::Bool:
      return array.bytes[i];
  }
  return 0;
}

void setElement(runtime::NpyArray& array, int64_t i, double x) {
  switch (array.dtype) {
    case runtime::ElementType::Float32:
      reinterpret_cast<float*>(array.bytes.data())[i] = static_cast<float>(x);
      break;
    case runtime::ElementType::Int64:
      reinterpret_cast<int64_t*>(array.bytes.data())[i] = static_cast<int64_t>(x);
      break;
    case runtime::ElementType::Bool:
      array.bytes[i] = x > 0;
      break;
  }
}

std::vector<runtime::NpyArray> loadInputs(const RunCommandOptions& options,
                                          const runtime::Manifest& manifest) {
  std::vector<runtime::NpyArray> arrays;
  if (options.random) {
    std::mt19937_64 generator(options.seed);
    for (int id : manifest.inputs) {
      const runtime::ValueInfo& value = manifest.values.at(id);
      runtime::NpyArray array{value.shape, value.dtype, std::vector<unsigned char>(value.bytes)};
      const int64_t count = value.bytes / runtime::elementBytes(value.dtype);
      for (int64_t i = 0; i < count; ++i) setElement(array, i, std::normal_distribution<double>()(generator));
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

// One line per output: its shape, a few values, and for a vector of float scores the best class.
std::string describeOutput(const runtime::ValueInfo& value, const runtime::NpyArray& output) {
  std::string text = fmt::format("output {} {}[{}]:", value.name, runtime::elementTypeName(value.dtype),
                                 runtime::describeShape(value.shape));
  const int64_t count = value.bytes / runtime::elementBytes(value.dtype);
  for (int64_t i = 0; i < std::min<int64_t>(5, count); ++i)
    text += fmt::format(" {:.5g}", element(output, i));
  if (count > 5) text += " ...";
  if (value.dtype == runtime::ElementType::Float32 && value.shape.size() == 2 && value.shape[0] == 1 &&
      count > 1) {
    int64_t best = 0;
    for (int64_t i = 1; i < count; ++i)
      if (element(output, i) > element(output, best)) best = i;
    text += fmt::format("  (top class {} score {:.5g})", best, element(output, best));
  }
  return text;
}

void run(const RunCommandOptions& options) {
  runtime::Model model(options.artifact);
  const runtime::Manifest& manifest = model.manifest();
  model.setNumThreads(options.threads);
  const std::vector<runtime::NpyArray> arrays = loadInputs(options, manifest);
  std::vector<runtime::HostTensor> inputs;
  for (const runtime::NpyArray& array : arrays)
    inputs.push_back({array.bytes.data(), array.shape, array.dtype});
  std::vector<runtime::NpyArray> outputs;
  std::vector<void*> output_data;
  for (int id : manifest.outputs) {
    const runtime::ValueInfo& value = manifest.values.at(id);
    outputs.push_back({value.shape, value.dtype, std::vector<unsigned char>(value.bytes)});
  }
  for (auto& output : outputs) output_data.push_back(output.bytes.data());
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
    if (i < options.outputs.size())
      runtime::writeNpy(options.outputs[i], value.shape, value.dtype, outputs[i].bytes.data());
  }
}

}  // namespace

void addRunCommand(CLI::App& app) {
  auto options = std::make_shared<RunCommandOptions>();
  CLI::App* command = app.add_subcommand("run", "run a compiled artifact with kiln's runtime (no LibTorch)");
  command->add_option("artifact", options->artifact, "artifact directory written by `kiln compile`")
      ->required();
  auto* input = command->add_option("--input", options->inputs,
                                    "input tensor (.npy of the compiled dtype), once per input");
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
