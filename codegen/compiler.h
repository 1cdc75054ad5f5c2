// The block compiler and packager: a planned graph in, an artifact directory out.
//
// Every block becomes one Halide pipeline (block_pipeline.h), scheduled for the target (schedule.h) and
// compiled ahead of time to an object file with `no_runtime`; blocks compile in parallel, one progress line
// each. One standalone Halide runtime is compiled for the whole artifact. The objects are linked into a
// shared and a static library beside the weights file, a C header and manifest.json
// (runtime/artifact_format.h describes the files). The directory appears complete or not at all: everything
// is built in a sibling staging directory that is renamed into place at the end. Compiling the same model
// twice gives byte-identical files.
#pragma once

#include <filesystem>
#include <functional>
#include <string>

#include "codegen/schedule.h"
#include "fusion/metrics.h"
#include "fusion/plan.h"

namespace kiln::codegen {

struct CompileOptions {
  std::string model_name;  // names the library, header, weights and entry points; letters, digits, '_'
  std::string target = "host";
  ScheduleOptions schedule;
  int jobs = 0;  // blocks compiled at once; 0: one per core
  std::function<void(const std::string& line)> progress = {};
};

struct ArtifactSummary {
  std::filesystem::path directory;
  std::string halide_target;
  int blocks = 0;
  int64_t weight_bytes = 0;
  double seconds = 0.0;
};

// Throws kiln::Error naming the block and its ops when a block fails to lower or compile, the linker's output
// when linking fails, and the path when the directory cannot be written. `directory` is replaced if it holds
// an earlier artifact; any other existing directory is refused.
ArtifactSummary compileArtifact(const ir::Graph& graph, const fusion::Plan& plan,
                                const fusion::PlanMetrics& metrics, const CompileOptions& options,
                                const std::filesystem::path& directory);

// The entry point of a block: kiln_<model>_b<id>.
std::string blockFunctionName(const std::string& model_name, int block);

}  // namespace kiln::codegen
