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

inline std::filesystem::path compileGraph(const ir::Graph& graph, const std::string& strategy,
                                          const std::filesystem::path& dir,
                                          const std::string& target = "host",
                                          codegen::ScheduleKind schedule = codegen::ScheduleKind::Default,
                                          const codegen::ScheduleOverrides& overrides = {}) {
  const fusion::PartitionOptions options;
  const fusion::Plan plan = fusion::partition(graph, strategy, options);
  codegen::CompileOptions compile;
  compile.model_name = "test";
  compile.target = target;
  compile.schedule.kind = schedule;
  compile.schedule.overrides = overrides;
  compileArtifact(graph, plan, fusion::computeMetrics(graph, plan, options.machine), compile, dir);
  return dir;
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

inline std::vector<at::Tensor> randomInputs(const ir::Graph& graph, uint64_t seed) {
  at::manual_seed(seed);
  std::vector<at::Tensor> inputs;
  for (ir::ValueId id : graph.inputs()) inputs.push_back(at::randn(graph.type(id).shape));
  return inputs;
}

// Max |a - b| relative to the scale of `reference` (its max |value|, at least 1).
inline double errorToScale(const at::Tensor& actual, const at::Tensor& reference) {
  const double scale = std::max(reference.abs().max().item<double>(), 1.0);
  return (actual - reference).abs().max().item<double>() / scale;
}

}  // namespace kiln::testing
