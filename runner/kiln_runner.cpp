// kiln-runner: runs a compiled artifact on .npy inputs and writes .npy outputs, with the runtime alone.
//
// It is what `kiln validate` runs where the artifact's code cannot run in kiln's own process: it is
// cross-built for 64-bit ARM beside kiln and started under qemu-aarch64, and the tensors travel as files.
//   kiln-runner ARTIFACT --input IN.npy... --output-dir DIR [--keep-values] [--threads N]
// writes DIR/output<k>.npy in logical (PyTorch) shape, and with --keep-values DIR/value<id>.npy for every
// activation a block writes, in its storage layout (shape: the manifest's extents, outermost first).
// Errors go to stderr as one line and exit 1.
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
};

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
  CLI11_PARSE(app, argc, argv);
  try {
    run(options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kiln-runner: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
