// Helpers for the codegen tests: compile a graph into an artifact in a fresh temporary directory, run it with
// the runtime, and compare with the reference executor (ATen).
#pragma once

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "codegen/compiler.h"
#include "frontend/reference_executor.h"
#include "fusion/strategies.h"
#include "ir/files.h"
#include "runtime/artifact_format.h"
#include "runtime/model.h"
#include "validation/compile_model.h"
#include "validation/validate.h"

namespace kiln::testing {

using validation::runArtifact;

// A directory under the system's temporary directory, removed with everything in it at the end of scope.
using ScratchDir = kiln::TempDirectory;

inline std::filesystem::path compilePlan(const ir::Graph& graph, const fusion::Plan& plan,
                                         const std::filesystem::path& dir, const std::string& target = "host",
                                         codegen::ScheduleKind schedule = codegen::ScheduleKind::Default,
                                         const codegen::ScheduleOverrides& overrides = {}) {
  codegen::CompileOptions compile;
  compile.model_name = "test";
  compile.target = target;
  compile.schedule.kind = schedule;
  compile.schedule.overrides = overrides;
  compileArtifact(graph, plan, fusion::computeMetrics(graph, plan, fusion::Machine{}), compile, dir);
  return dir;
}

inline std::filesystem::path compileGraph(const ir::Graph& graph, const std::string& strategy,
                                          const std::filesystem::path& dir,
                                          const std::string& target = "host",
                                          codegen::ScheduleKind schedule = codegen::ScheduleKind::Default,
                                          const codegen::ScheduleOverrides& overrides = {}) {
  return compilePlan(graph, fusion::partition(graph, strategy, fusion::PartitionOptions{}), dir, target,
                     schedule, overrides);
}

// The plan that puts `graph`'s first `first_ops` ops in one block and the rest in another, whatever a
// strategy would decide: for tests of how codegen schedules a given kind of block.
inline fusion::Plan twoBlockPlan(const ir::Graph& graph, size_t first_ops) {
  fusion::Grouping grouping;
  for (size_t op = 0; op < graph.ops().size(); ++op) grouping.group_of_op.push_back(op < first_ops ? 0 : 1);
  return fusion::buildPlan(graph, "by hand", grouping, fusion::Machine{});
}

// A model file compiled for `target` into `dir` with kiln's defaults otherwise.
inline codegen::ArtifactSummary compileModelFor(const std::filesystem::path& model, const std::string& target,
                                                const std::filesystem::path& dir) {
  validation::ModelCompileOptions options;
  options.codegen.target = target;
  return validation::compileModel(model, options, dir);
}

// An artifact's manifest, parsed.
inline nlohmann::json readManifest(const std::filesystem::path& artifact) {
  std::ifstream in(artifact / artifact::kManifestFile);
  return nlohmann::json::parse(in);
}

// The CPU targets the differential tests compile for: AVX2 and, where this machine has it, AVX-512 (run
// here), and arm64 (run under qemu-aarch64).
inline std::vector<std::string> cpuTargetsThisMachineRuns() {
  std::vector<std::string> targets{"x86-64-avx2"};
  if (Halide::get_host_target().has_feature(Halide::Target::AVX512_Skylake))
    targets.push_back("x86-64-avx512");
  targets.push_back("arm64");
  return targets;
}

// gtest's name for a target parameter: "x86-64-avx2" becomes "x86_64_avx2".
inline std::string targetTestName(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  std::replace(name.begin(), name.end(), '-', '_');
  return name;
}

// Inputs named with this prefix get positive values.
inline constexpr char kPositiveInputPrefix[] = "positive";
inline constexpr char kIntegralInputPrefix[] = "integral";
// An int64 input named "below<N>_..." holds indices in [0, N).
inline constexpr char kIndicesInputPrefix[] = "below";

// A constant of `shape` with normally distributed values (weights for hand-built graphs).
inline ir::ValueId randomConstant(ir::Graph& graph, const ir::Shape& shape, std::mt19937& rng) {
  int64_t count = 1;
  for (int64_t d : shape) count *= d;
  std::vector<float> data(count);
  std::normal_distribution<float> normal;
  for (float& v : data) v = normal(rng);
  return graph.addConstant("w" + std::to_string(graph.numValues()), ir::Tensor(shape, std::move(data)));
}

// Float inputs: standard normal values, uniform in [0.25, 2.25) for inputs named kPositiveInputPrefix...,
// whole numbers in [-2, 2] for kIntegralInputPrefix... (so that comparisons meet equal elements). Bool
// inputs: fair coins. Int64 inputs: indices below the bound in their name.
inline std::vector<at::Tensor> randomInputs(const ir::Graph& graph, uint64_t seed) {
  at::manual_seed(seed);
  std::vector<at::Tensor> inputs;
  for (ir::ValueId id : graph.inputs()) {
    const ir::TensorType& type = graph.type(id);
    const std::string& name = graph.value(id).name;
    const auto named = [&](const char* prefix) { return name.rfind(prefix, 0) == 0; };
    if (type.dtype == ir::DType::Bool)
      inputs.push_back(at::randint(0, 2, type.shape).to(at::kBool));
    else if (type.dtype == ir::DType::Int64)
      inputs.push_back(at::randint(0, std::stoll(name.substr(std::strlen(kIndicesInputPrefix))), type.shape,
                                   at::TensorOptions(at::kLong)));
    else if (named(kPositiveInputPrefix))
      inputs.push_back(at::rand(type.shape) * 2 + 0.25);
    else if (named(kIntegralInputPrefix))
      inputs.push_back(at::randint(-2, 3, type.shape, at::TensorOptions(at::kFloat)));
    else
      inputs.push_back(at::randn(type.shape));
  }
  return inputs;
}

// Max |a - b| relative to the scale of `reference` (its max |value|, at least 1); bool and int64 tensors
// compare as numbers.
inline double errorToScale(const at::Tensor& actual, const at::Tensor& reference) {
  const at::Tensor a = actual.to(at::kDouble), r = reference.to(at::kDouble);
  const double scale = std::max(r.abs().max().item<double>(), 1.0);
  return (a - r).abs().max().item<double>() / scale;
}

}  // namespace kiln::testing
