#include "profiling/block_profile.h"

#include <algorithm>
#include <chrono>

#include <ATen/Parallel.h>

#include "ir/error.h"
#include "ir/statistics.h"
#include "profiling/libtorch_profile.h"
#include "validation/artifact_executor.h"
#include "validation/compile_model.h"
#include "validation/torch_model.h"

namespace kiln::profiling {

namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

BlockProfile describeBlock(const runtime::BlockInfo& block, const ModelProfile& profile) {
  BlockProfile b;
  b.id = block.id;
  b.function = block.function;
  b.pattern = block.pattern();
  b.mapping = block.mapping;
  b.ops = block.ops;
  b.op_indices = block.op_indices;
  b.flops = block.flops;
  b.bytes = block.traffic_bytes;
  const double compute = b.flops / profile.peak_flops, memory = b.bytes / profile.machine.bandwidth;
  b.bound_seconds = std::max(compute, memory);
  b.memory_bound = memory > compute;
  return b;
}

// Every block's latency samples, and the whole run's, over the measured runs.
void timeRuns(runtime::Model& model, const std::vector<at::Tensor>& inputs, ModelProfile& profile) {
  std::vector<runtime::HostTensor> host_inputs;
  for (const at::Tensor& input : inputs)
    host_inputs.push_back({input.data_ptr(), input.sizes().vec(), validation::elementTypeOf(input)});
  std::vector<std::vector<unsigned char>> output_memory;
  std::vector<void*> outputs;
  for (int id : model.manifest().outputs) {
    output_memory.emplace_back(model.manifest().values.at(id).bytes);
    outputs.push_back(output_memory.back().data());
  }
  for (int w = 0; w < profile.warmup; ++w) model.run(host_inputs, outputs);
  std::vector<double> run_seconds;
  for (int r = 0; r < profile.runs; ++r) {
    runtime::BlockTimes times;
    const Clock::time_point start = Clock::now();
    model.run(host_inputs, outputs, &times);
    run_seconds.push_back(std::chrono::duration<double>(Clock::now() - start).count());
    profile.timeline.push_back(std::move(times));
  }
  profile.run_median_seconds = median(run_seconds);
  profile.run_p90_seconds = percentile(run_seconds, 90);
  for (size_t b = 0; b < profile.blocks.size(); ++b) {
    std::vector<double> samples;
    for (const runtime::BlockTimes& times : profile.timeline)
      samples.push_back((times.end_ns[b] - times.start_ns[b]) * 1e-9);
    profile.blocks[b].median_seconds = median(samples);
    profile.blocks[b].p90_seconds = percentile(samples, 90);
  }
}

// The canonical graph the artifact was compiled from; kiln::Error when the model is not that one.
ir::Graph compiledGraph(const fs::path& model_path, const runtime::Manifest& manifest) {
  ir::Graph graph;
  try {
    graph = validation::importCanonical(model_path, validation::importOptionsOf(manifest));
  } catch (const Error& e) {
    fail("{} is not the model the artifact was compiled from, or not at its input shapes: {}",
         model_path.string(), e.what());
  }
  for (const runtime::BlockInfo& block : manifest.blocks)
    for (size_t k = 0; k < block.ops.size(); ++k) {
      const int index = block.op_indices[k];
      if (index >= static_cast<int>(graph.ops().size()) || graph.ops()[index].kind != block.ops[k])
        fail(
            "{} is not the model the artifact was compiled from (block {} expects op {} to be {}); give the "
            "same .pt file that `kiln compile` was given",
            model_path.string(), block.id, index, block.ops[k]);
    }
  return graph;
}

void addLibTorchSide(const fs::path& model_path, const runtime::Manifest& manifest,
                     const std::vector<at::Tensor>& inputs, ModelProfile& profile) {
  const ir::Graph graph = compiledGraph(model_path, manifest);
  at::set_num_threads(profile.threads);
  const LibTorchOpTimes ops = profileGraphOps(graph, inputs, profile.runs, profile.warmup);
  for (BlockProfile& block : profile.blocks) {
    block.libtorch_seconds = 0.0;
    for (int index : block.op_indices) {
      *block.libtorch_seconds += ops.op_seconds[index];
      for (const std::string& aten : ops.aten_ops[index])
        if (std::find(block.libtorch_ops.begin(), block.libtorch_ops.end(), aten) == block.libtorch_ops.end())
          block.libtorch_ops.push_back(aten);
    }
  }
  torch::jit::Module module = validation::loadTorchModule(model_path);
  for (int w = 0; w < profile.warmup; ++w) validation::runTorch(module, inputs);
  std::vector<double> forward_seconds;
  for (int r = 0; r < profile.runs; ++r) {
    const Clock::time_point start = Clock::now();
    validation::runTorch(module, inputs);
    forward_seconds.push_back(std::chrono::duration<double>(Clock::now() - start).count());
  }
  profile.libtorch = LibTorchSide{ops.run_seconds, median(forward_seconds)};
}

}  // namespace

double ModelProfile::blockMedianSum() const {
  double sum = 0;
  for (const BlockProfile& block : blocks) sum += block.median_seconds;
  return sum;
}

double ModelProfile::blockTimePerRun() const {
  std::vector<double> sums;
  for (const runtime::BlockTimes& times : timeline) {
    int64_t nanoseconds = 0;
    for (size_t b = 0; b < times.start_ns.size(); ++b) nanoseconds += times.end_ns[b] - times.start_ns[b];
    sums.push_back(nanoseconds * 1e-9);
  }
  return median(sums);
}

ModelProfile profileArtifact(const fs::path& artifact_dir, const ProfileOptions& options,
                             const MachinePeaks& machine) {
  if (options.runs < 1 || options.warmup < 0) fail("--runs must be at least 1 and --warmup at least 0");
  runtime::Model model(artifact_dir);
  const runtime::Manifest& manifest = model.manifest();
  ModelProfile profile;
  profile.model = manifest.model;
  profile.artifact = artifact_dir.string();
  profile.halide_target = manifest.halide_target;
  profile.threads = threadsOrAllCores(options.threads);
  profile.runs = options.runs;
  profile.warmup = options.warmup;
  profile.machine = machine;
  profile.peak_flops = machine.flopsWith(profile.threads);
  for (const runtime::BlockInfo& block : manifest.blocks)
    profile.blocks.push_back(describeBlock(block, profile));

  model.setNumThreads(profile.threads);
  const std::vector<at::Tensor> inputs = validation::seededInputs(manifest, options.seed);
  timeRuns(model, inputs, profile);
  if (manifest.halide_target.find("profile") != std::string::npos)
    profile.halide_profile = model.takeHalideProfile();
  if (!options.model.empty()) addLibTorchSide(options.model, manifest, inputs, profile);
  return profile;
}

}  // namespace kiln::profiling
