// Helpers for the codegen tests: compile a graph into an artifact in a fresh temporary directory, run it with
// the runtime, and compare with the reference executor (ATen).
#pragma once

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "codegen/compiler.h"
#include "frontend/reference_executor.h"
#include "fusion/strategies.h"
#include "ir/files.h"
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
  return fusion::buildPlan(graph, "by hand", grouping);
}

// A model file compiled for `target` into `dir` with kiln's defaults otherwise.
inline codegen::ArtifactSummary compileModelFor(const std::filesystem::path& model, const std::string& target,
                                                const std::filesystem::path& dir) {
  validation::ModelCompileOptions options;
  options.codegen.target = target;
  return validation::compileModel(model, options, dir);
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

// Standard normal values, or uniform in [0.25, 2.25) for inputs named kPositiveInputPrefix...
inline std::vector<at::Tensor> randomInputs(const ir::Graph& graph, uint64_t seed) {
  at::manual_seed(seed);
  std::vector<at::Tensor> inputs;
  for (ir::ValueId id : graph.inputs()) {
    const ir::Shape& shape = graph.type(id).shape;
    const bool positive = graph.value(id).name.rfind(kPositiveInputPrefix, 0) == 0;
    inputs.push_back(positive ? at::rand(shape) * 2 + 0.25 : at::randn(shape));
  }
  return inputs;
}

// Max |a - b| relative to the scale of `reference` (its max |value|, at least 1).
inline double errorToScale(const at::Tensor& actual, const at::Tensor& reference) {
  const double scale = std::max(reference.abs().max().item<double>(), 1.0);
  return (actual - reference).abs().max().item<double>() / scale;
}

}  // namespace kiln::testing
