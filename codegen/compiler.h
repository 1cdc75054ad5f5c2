// The block compiler and packager: a planned graph in, an artifact directory out.
//
// Every block becomes one Halide pipeline (block_pipeline.h), scheduled for the target (schedule.h) and
// compiled ahead of time to an object file with `no_runtime`; blocks compile in parallel, one progress line
// each, and identical blocks (block_signature.h) share one function. One standalone Halide runtime serves
// the whole artifact, compiled or taken from the runtime cache (runtime_cache.h). The objects are linked into
// a shared and a static library beside the weights file, a C header and manifest.json
// (runtime/artifact_format.h describes the files). The directory appears complete or not at all: everything
// is built in a sibling staging directory that is renamed into place at the end. Compiling the same model
// twice gives byte-identical files.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>

#include "codegen/schedule.h"
#include "fusion/metrics.h"
#include "fusion/plan.h"
#include "ir/files.h"

namespace kiln::codegen {

struct CompileOptions {
  std::string model_name;  // names the library, header, weights and entry points; letters, digits, '_'
  std::string target = "host";
  ScheduleOptions schedule;
  int jobs = 0;  // blocks compiled at once; 0: one per core
  std::function<void(const std::string& line)> progress = {};
  // The model's inputs and outputs in the layouts of activations between blocks (NHWC for rank 4), not
  // row-major: for a block measured alone (tuning/block_timer.h), so that it reads and writes memory as it
  // does inside its model. The manifest records those layouts; callers must pass data in them.
  bool boundaries_as_activations = false;
  // Where standalone Halide runtimes are kept between compiles (codegen/runtime_cache.h); empty: this compile
  // compiles its own and keeps nothing.
  std::filesystem::path runtime_cache = userCacheDirectory() / "halide-runtime";
};

// Wall time of one step of a compile ("import", "fusion", "codegen", "link", ...).
struct PhaseTime {
  std::string phase;
  double seconds = 0.0;
};

// Records consecutive phases: each end() appends the time since the previous end() (or construction).
class PhaseTimer {
 public:
  explicit PhaseTimer(std::vector<PhaseTime>& phases)
      : phases_(phases), start_(std::chrono::steady_clock::now()) {}
  void end(const char* phase) {
    const auto now = std::chrono::steady_clock::now();
    phases_.push_back({phase, std::chrono::duration<double>(now - start_).count()});
    start_ = now;
  }

 private:
  std::vector<PhaseTime>& phases_;
  std::chrono::steady_clock::time_point start_;
};

struct BlockCompileTime {
  int block = 0;
  std::string pattern;
  std::string schedule;  // its template and config, ScheduleConfig::toString
  double seconds = 0.0;  // lowering, scheduling and Halide's compile to an object file
  int same_as = -1;      // the earlier block whose function this one calls (same signature), or -1
};

struct ArtifactSummary {
  std::filesystem::path directory;
  std::string halide_target;
  int blocks = 0;
  int functions = 0;     // distinct compiled block functions; identical blocks share one
  int tuned_blocks = 0;  // blocks scheduled by a config from the tuning database (ScheduleOptions::tuned)
  int64_t weight_bytes = 0;
  double seconds = 0.0;
  std::vector<PhaseTime> phases;              // in order; compileModel adds the phases before codegen
  std::vector<BlockCompileTime> block_times;  // one per block (blocks compile in parallel)
};

// Throws kiln::Error naming the block and its ops when a block fails to lower or compile, the linker's output
// when linking fails, and the path when the directory cannot be written. `directory` is replaced if it holds
// an earlier artifact; any other existing directory is refused.
ArtifactSummary compileArtifact(const ir::Graph& graph, const fusion::Plan& plan,
                                const fusion::PlanMetrics& metrics, const CompileOptions& options,
                                const std::filesystem::path& directory);

// How each block of the plan can be scheduled (schedule.h's ScheduleChoice: the default template first, and
// for a Winograd block the direct conv too), found without compiling: what `kiln tune` searches.
std::vector<ScheduleChoice> scheduleChoices(const ir::Graph& graph, const fusion::Plan& plan,
                                            const CompileOptions& options);

// The entry point of a block: kiln_<model>_b<id>.
std::string blockFunctionName(const std::string& model_name, int block);

}  // namespace kiln::codegen
