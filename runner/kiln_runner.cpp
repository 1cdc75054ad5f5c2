// kiln-runner: runs a compiled artifact on .npy inputs and writes .npy outputs, with the runtime alone.
//
// It is what `kiln validate` runs where the artifact's code cannot run in kiln's own process: it is
// cross-built for 64-bit ARM beside kiln and started under qemu-aarch64, and the tensors travel as files.
//   kiln-runner ARTIFACT --input IN.npy... --output-dir DIR [--keep-values] [--threads N] [--runs N]
// writes DIR/output<k>.npy in logical (PyTorch) shape, and with --keep-values DIR/value<id>.npy for every
// activation a block writes, in its storage layout (shape: the manifest's extents, outermost first).
// With --runs N it then times N more runs and prints the median end to end and each block's median with the
// rates its manifest counts imply: on a machine where kiln itself is not installed (a GPU box reached only
// through files), that is the profile there is.
// Errors go to stderr as one line and exit 1.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <exception>

#include <CLI/CLI.hpp>

#include "runtime/model.h"
#include "runtime/npy.h"

namespace {

namespace fs = std::filesystem;
using kiln::runtime::Model;

struct RunnerOptions {
  std::string artifact;
  std::vector<std::string> inputs;
  std::string output_dir;
  bool keep_values = false;
  int threads = 0;
  int runs = 0;
};

double median(std::vector<double> samples) {
  std::sort(samples.begin(), samples.end());
  const size_t n = samples.size();
  return n % 2 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2;
}

// Times `runs` runs after the one whose outputs were written: end to end (the caller's clock, so a GPU
// artifact's copies and launches count) and per block (the runtime's clock, which waits for a GPU block).
void printTimes(Model& model, const std::vector<kiln::runtime::HostTensor>& inputs,
                const std::vector<void*>& outputs, int runs) {
  const auto& blocks = model.manifest().blocks;
  std::vector<double> total_ms;
  std::vector<std::vector<double>> block_us(blocks.size());
  for (int r = 0; r < runs; ++r) {
    const auto start = std::chrono::steady_clock::now();
    model.run(inputs, outputs);
    total_ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  for (int r = 0; r < runs; ++r) {
    kiln::runtime::BlockTimes times;
    model.run(inputs, outputs, &times);
    for (size_t b = 0; b < blocks.size(); ++b)
      block_us[b].push_back((times.end_ns[b] - times.start_ns[b]) / 1e3);
  }
  std::sort(total_ms.begin(), total_ms.end());
  std::printf("end to end: median %.3f ms, min %.3f, max %.3f over %d runs\n", median(total_ms),
              total_ms.front(), total_ms.back(), runs);
  std::printf("%6s %10s %9s %9s  %s\n", "block", "median us", "GFLOP/s", "GB/s", "ops");
  double sum_us = 0;
  for (size_t b = 0; b < blocks.size(); ++b) {
    const double us = median(block_us[b]);
    sum_us += us;
    std::printf("%6d %10.1f %9.1f %9.1f  %s\n", blocks[b].id, us, blocks[b].flops / us / 1e3,
                blocks[b].traffic_bytes / us / 1e3, blocks[b].pattern().c_str());
  }
  std::printf("blocks' medians sum to %.3f ms\n", sum_us / 1e3);
}

void writeKeptValues(const Model& model, const fs::path& dir) {
  for (const kiln::runtime::BlockInfo& block : model.manifest().blocks) {
    for (int id : block.outputs) {
      const kiln::runtime::ValueInfo& value = model.manifest().values.at(id);
      if (value.role != kiln::runtime::ValueRole::Activation) continue;
      std::vector<int64_t> storage_shape(value.extents.rbegin(), value.extents.rend());
      kiln::runtime::writeNpy(dir / ("value" + std::to_string(id) + ".npy"), storage_shape, value.dtype,
                              model.valueData(id));
    }
  }
}

void run(const RunnerOptions& options) {
  Model model(options.artifact, options.keep_values);
  model.setNumThreads(options.threads);
  const kiln::runtime::Manifest& manifest = model.manifest();
  std::vector<kiln::runtime::NpyArray> arrays;
  std::vector<kiln::runtime::HostTensor> inputs;
  for (const std::string& path : options.inputs) arrays.push_back(kiln::runtime::readNpy(path));
  for (const kiln::runtime::NpyArray& array : arrays)
    inputs.push_back({array.bytes.data(), array.shape, array.dtype});
  std::vector<std::vector<unsigned char>> outputs;
  std::vector<void*> output_data;
  for (int id : manifest.outputs) outputs.emplace_back(manifest.values.at(id).bytes);
  for (auto& output : outputs) output_data.push_back(output.data());
  model.run(inputs, output_data);
  if (options.runs > 0) printTimes(model, inputs, output_data, options.runs);

  const fs::path dir = options.output_dir;
  fs::create_directories(dir);
  for (size_t k = 0; k < outputs.size(); ++k) {
    const kiln::runtime::ValueInfo& value = manifest.values.at(manifest.outputs[k]);
    kiln::runtime::writeNpy(dir / ("output" + std::to_string(k) + ".npy"), value.shape, value.dtype,
                            outputs[k].data());
  }
  if (options.keep_values) writeKeptValues(model, dir);
}

}  // namespace

int main(int argc, char** argv) {
  RunnerOptions options;
  CLI::App app("kiln-runner: runs a kiln artifact with the runtime alone, tensors in .npy files");
  app.add_option("artifact", options.artifact, "artifact directory written by `kiln compile`")->required();
  app.add_option("--input", options.inputs, "input tensor (.npy of the compiled dtype), once per input")
      ->required();
  app.add_option("--output-dir", options.output_dir, "where output<k>.npy are written")->required();
  app.add_flag("--keep-values", options.keep_values, "also write every block's activations");
  app.add_option("--threads", options.threads, "worker threads (default: one per core)");
  app.add_option("--runs", options.runs, "then time this many runs, end to end and per block")
      ->check(CLI::NonNegativeNumber);
  CLI11_PARSE(app, argc, argv);
  try {
    run(options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kiln-runner: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
