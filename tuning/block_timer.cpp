#include "tuning/block_timer.h"

#include <algorithm>
#include <memory>
#include <random>

#include "codegen/compiler.h"
#include "fusion/metrics.h"
#include "fusion/plan.h"
#include "ir/error.h"
#include "ir/files.h"
#include "ir/statistics.h"
#include "runtime/error.h"
#include "runtime/model.h"

namespace kiln::tuning {
namespace {

fusion::Plan oneBlockPlan(const ir::Graph& block, const fusion::Machine& machine) {
  fusion::Grouping grouping;
  grouping.group_of_op.assign(block.ops().size(), 0);
  return fusion::buildPlan(block, "measured", grouping, machine);
}

codegen::CompileOptions oneBlockCompile(const TimerOptions& options) {
  codegen::CompileOptions compile;
  compile.model_name = "measured_block";
  compile.target = options.target;
  compile.schedule.threads = options.threads;
  compile.jobs = 1;
  compile.boundaries_as_activations = true;
  return compile;
}

// One buffer per tensor of `ids`, of its manifest dtype and shape.
std::vector<std::vector<unsigned char>> buffersFor(const runtime::Manifest& manifest,
                                                   const std::vector<int>& ids) {
  std::vector<std::vector<unsigned char>> buffers;
  for (int id : ids) buffers.emplace_back(manifest.values.at(id).bytes);
  return buffers;
}

// Floats uniform in [-1, 1); integer and boolean inputs stay zero (a valid index, a false mask).
void fillInputs(const runtime::Manifest& manifest, std::vector<std::vector<unsigned char>>& buffers) {
  std::minstd_rand random(1);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  for (size_t i = 0; i < buffers.size(); ++i) {
    if (manifest.values.at(manifest.inputs[i]).dtype != runtime::ElementType::Float32) continue;
    float* values = reinterpret_cast<float*>(buffers[i].data());
    for (size_t k = 0; k < buffers[i].size() / sizeof(float); ++k) values[k] = uniform(random);
  }
}

}  // namespace

std::vector<std::vector<double>> timeBlocks(runtime::Model& model, int threads, int warmup, int runs,
                                            bool warm_outputs, bool cold_weights) {
  const runtime::Manifest& manifest = model.manifest();
  std::vector<std::vector<unsigned char>> inputs = buffersFor(manifest, manifest.inputs);
  std::vector<std::vector<unsigned char>> outputs = buffersFor(manifest, manifest.outputs);
  fillInputs(manifest, inputs);
  std::vector<runtime::HostTensor> input_tensors;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const runtime::ValueInfo& value = manifest.values.at(manifest.inputs[i]);
    input_tensors.push_back({inputs[i].data(), value.shape, value.dtype});
  }
  std::vector<void*> output_pointers;
  for (auto& buffer : outputs) output_pointers.push_back(buffer.data());

  model.setNumThreads(threads);
  for (int w = 0; w < warmup; ++w) model.run(input_tensors, output_pointers);
  std::vector<std::vector<double>> samples(manifest.blocks.size());
  for (int r = 0; r < runs; ++r) {
    runtime::BlockTimes times;
    times.warm_outputs = warm_outputs;
    times.cold_weights = cold_weights;
    model.run(input_tensors, output_pointers, &times);
    for (size_t b = 0; b < samples.size(); ++b)
      samples[b].push_back((times.end_ns.at(b) - times.start_ns.at(b)) * 1e-9);
  }
  return samples;
}

std::vector<std::vector<double>> alternatingBlockTimes(const std::vector<std::filesystem::path>& artifacts,
                                                       int threads, int rounds, int runs_per_round,
                                                       bool warm_outputs) {
  std::vector<std::unique_ptr<runtime::Model>> models;
  std::vector<std::vector<std::vector<double>>> samples;  // model, block, run
  for (const auto& artifact : artifacts) {
    models.push_back(std::make_unique<runtime::Model>(artifact));
    samples.emplace_back(models.back()->manifest().blocks.size());
  }
  for (int round = 0; round < rounds; ++round) {
    for (size_t m = 0; m < models.size(); ++m) {
      const auto times = timeBlocks(*models[m], threads, 1, runs_per_round, warm_outputs);
      for (size_t b = 0; b < times.size(); ++b)
        samples[m][b].insert(samples[m][b].end(), times[b].begin(), times[b].end());
    }
  }
  std::vector<std::vector<double>> p10s;
  for (const auto& per_block : samples) {
    p10s.emplace_back();
    for (const auto& runs : per_block) p10s.back().push_back(percentile(runs, 10));
  }
  return p10s;
}

void compileOneBlock(const ir::Graph& block, const TimerOptions& options,
                     const codegen::ScheduleConfig* config, const std::filesystem::path& artifact) {
  if (block.inputs().empty()) fail("a block that reads no input cannot be timed alone");
  const fusion::Plan plan = oneBlockPlan(block, options.machine);
  const fusion::PlanMetrics metrics = fusion::computeMetrics(block, plan, options.machine);
  codegen::CompileOptions compile = oneBlockCompile(options);
  if (config) compile.schedule.overrides[0] = *config;
  codegen::compileArtifact(block, plan, metrics, compile, artifact);
}

BlockTiming timeOneBlock(const std::filesystem::path& artifact, const TimerOptions& options) {
  try {
    runtime::Model model(artifact);
    const std::vector<double> samples =
        timeBlocks(model, options.threads, options.warmup, options.runs, false, options.cold_weights).at(0);
    return {median(samples), percentile(samples, 10), percentile(samples, 90), options.runs};
  } catch (const runtime::Error& e) {
    fail("the block compiled but did not run: {}", e.what());
  }
}

BlockTiming timeAsOneBlock(const ir::Graph& block, const TimerOptions& options) {
  TempDirectory scratch("measure");
  const std::filesystem::path artifact = scratch.path() / "block";
  compileOneBlock(block, options, nullptr, artifact);
  return timeOneBlock(artifact, options);
}

BlockTiming timeBlockLaunch(const TimerOptions& options) {
  ir::Graph block("launch");
  const ir::ValueId x = block.addInput("x", {ir::DType::Float32, {1, 16, std::max(1, options.threads), 1}});
  block.setOutputs({block.addOp1("relu", {x})});
  return timeAsOneBlock(block, options);
}

}  // namespace kiln::tuning
