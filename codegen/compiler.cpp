#include "codegen/compiler.h"

#include <chrono>
#include <exception>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <regex>
#include <sstream>
#include <thread>

#include "codegen/block_signature.h"
#include "codegen/package.h"
#include "codegen/runtime_cache.h"
#include "codegen/target.h"
#include "ir/error.h"
#include "ir/files.h"
#include "ir/forked_jobs.h"
#include "runtime/artifact_format.h"

namespace kiln::codegen {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string blockPattern(const ir::Graph& graph, const fusion::Block& block) {
  std::string pattern;
  for (int op : block.ops) pattern += (pattern.empty() ? "" : "+") + graph.ops()[op].kind;
  return pattern;
}

// The directory `-o` names, without a trailing '/' (the staging directory is its name + ".partial"), checked
// before anything is compiled.
fs::path artifactDirectory(const fs::path& given) {
  fs::path directory = given.lexically_normal();
  if (!directory.has_filename()) directory = directory.parent_path();
  if (directory.empty() || directory.filename() == "." || directory.filename() == "..")
    fail("'{}' does not name an artifact directory; give -o a directory name such as resnet18.kiln",
         given.string());
  return directory;
}

// An existing directory may be replaced only if it is empty or holds an earlier artifact.
void checkReplaceable(const fs::path& directory) {
  if (!fs::exists(directory)) return;
  if (!fs::is_directory(directory)) fail("cannot write the artifact to {}: it is a file", directory.string());
  if (!fs::is_empty(directory) && !fs::exists(directory / artifact::kManifestFile))
    fail("{} exists and is not a kiln artifact (no {}); choose another -o directory", directory.string(),
         artifact::kManifestFile);
}

// Lowers and schedules one block. Halide 14's autoscheduler fails on some pipelines (an internal error when
// an argument drops out after simplification, e.g. x - x); such a block gets the default schedule instead,
// and the fallback is reported.
BlockPipeline scheduledBlock(const ir::Graph& graph, const fusion::Block& block, const ValueLayouts& layouts,
                             const TargetDesc& desc, const Halide::Target& target,
                             const CompileOptions& options, int index) {
  const std::string name = blockFunctionName(options.model_name, index);
  BlockPipeline built = buildBlockPipeline(graph, block, layouts, name);
  try {
    built.schedule = scheduleBlock(built, graph, index, desc, target, options.schedule);
    return built;
  } catch (const Halide::Error& e) {
    if (options.schedule.kind != ScheduleKind::Auto) throw;
    BlockPipeline fallback = buildBlockPipeline(graph, block, layouts, name);
    fallback.schedule = scheduleBlock(fallback, graph, index, desc, target, ScheduleOptions{});
    fallback.schedule_note = " [autoscheduler failed, default schedule used]";
    return fallback;
  }
}

// The kernels of a GPU block: the entry points of the PTX that Halide keeps as a buffer of the module.
std::vector<std::string> ptxKernels(const Halide::Module& module) {
  static const std::regex entry(R"(\.visible \.entry (\w+)\()");
  std::vector<std::string> kernels;
  for (const Halide::Buffer<>& buffer : module.buffers()) {
    if (buffer.type() != Halide::UInt(8) || buffer.dimensions() != 1) continue;
    const std::string text(reinterpret_cast<const char*>(buffer.data()), buffer.size_in_bytes());
    for (auto it = std::sregex_iterator(text.begin(), text.end(), entry); it != std::sregex_iterator(); ++it)
      kernels.push_back((*it)[1]);
  }
  return kernels;
}

// The blocks of a plan, lowered, scheduled and compiled in two passes. First every block is lowered and
// scheduled, one after another on this thread, and the first block of each signature (block_signature.h)
// becomes the owner of its function; later blocks with that signature call it. Then each owner's function is
// compiled to an object in a child process (ir/forked_jobs.h, which says why), `jobs` at a time. Failures
// name their block.
class BlockCompiler {
 public:
  BlockCompiler(const ir::Graph& graph, const fusion::Plan& plan, const ValueLayouts& layouts,
                const TargetDesc& desc, const Halide::Target& target, const CompileOptions& options,
                fs::path object_dir)
      : graph_(graph),
        plan_(plan),
        layouts_(layouts),
        desc_(desc),
        target_(target),
        options_(options),
        object_dir_(std::move(object_dir)),
        count_(static_cast<int>(plan.blocks.size())),
        blocks_(count_),
        times_(count_) {}

  // The first pass; blocks that share an owner's function are reported done.
  void schedule() {
    std::map<std::string, int> owners;
    for (int b = 0; b < count_; ++b) {
      const auto start = Clock::now();
      BlockCompileTime& time = times_[b];
      time.block = b;
      time.pattern = blockPattern(graph_, plan_.blocks[b]);
      try {
        blocks_[b] = scheduledBlock(graph_, plan_.blocks[b], layouts_, desc_, target_, options_, b);
        const auto [owner, first] =
            owners.emplace(blockSignature(graph_, plan_.blocks[b], blocks_[b], layouts_), b);
        time.same_as = first ? -1 : owner->second;
      } catch (const std::exception& e) {
        fail("block {} ({}) failed to compile: {}", b, time.pattern, e.what());
      }
      time.schedule = blocks_[b].schedule.toString();
      time.seconds = secondsSince(start);
    }
    for (int b = 0; b < count_; ++b) {
      if (times_[b].same_as < 0) continue;
      blocks_[b].function_name = blocks_[times_[b].same_as].function_name;
      reportProgress(b);
    }
  }

  // The second pass: one job per owner, compiling its function to <function>.o beside a <function>.done
  // file that carries back the compile's seconds and, for a GPU block, its kernels.
  std::vector<ForkedJob> compileJobs() {
    std::vector<ForkedJob> jobs;
    for (int b = 0; b < count_; ++b)
      if (times_[b].same_as < 0)
        jobs.push_back({fmt::format("block {} ({})", b, times_[b].pattern), [this, b] { compile(b); },
                        [this, b] { collect(b); }});
    return jobs;
  }

  std::vector<BlockPipeline> finish(std::vector<BlockCompileTime>& times) {
    for (int b = 0; b < count_; ++b)
      if (times_[b].same_as >= 0) blocks_[b].gpu_kernels = blocks_[times_[b].same_as].gpu_kernels;
    times = std::move(times_);
    return std::move(blocks_);
  }

 private:
  fs::path doneFile(int b) const { return object_dir_ / (blocks_[b].function_name + ".done"); }

  // In the child process.
  void compile(int b) {
    const auto start = Clock::now();
    BlockPipeline& built = blocks_[b];
    std::vector<Halide::Argument> args(built.params.begin(), built.params.end());
    Halide::Module module = built.pipeline.compile_to_module(args, built.function_name,
                                                             target_.with_feature(Halide::Target::NoRuntime));
    module.compile({{Halide::OutputFileType::object, (object_dir_ / (built.function_name + ".o")).string()}});
    std::string done = fmt::format("{}\n", secondsSince(start));
    for (const std::string& kernel : ptxKernels(module)) done += kernel + "\n";
    writeFile(doneFile(b), done);
  }

  void collect(int b) {
    std::istringstream done(readFile(doneFile(b)));
    double seconds = 0;
    done >> seconds;
    times_[b].seconds += seconds;
    for (std::string kernel; done >> kernel;) blocks_[b].gpu_kernels.push_back(kernel);
    fs::remove(doneFile(b));
    reportProgress(b);
  }

  void reportProgress(int b) {
    if (!options_.progress) return;
    const BlockCompileTime& time = times_[b];
    options_.progress(
        fmt::format("[{}/{}] block {} {} ({:.2f} s) {}{}{}", ++done_, count_, b, time.pattern, time.seconds,
                    time.schedule, blocks_[b].schedule_note,
                    time.same_as >= 0 ? fmt::format(", the function of block {}", time.same_as) : ""));
  }

  const ir::Graph& graph_;
  const fusion::Plan& plan_;
  const ValueLayouts& layouts_;
  const TargetDesc& desc_;
  const Halide::Target& target_;
  const CompileOptions& options_;
  const fs::path object_dir_;
  const int count_;
  std::vector<BlockPipeline> blocks_;
  std::vector<BlockCompileTime> times_;
  int done_ = 0;
};

ValueLayouts layoutsFor(const ir::Graph& graph, const fusion::Plan& plan, const TargetDesc& desc,
                        const CompileOptions& options) {
  return chooseLayouts(graph, plan, desc,
                       winogradConvs(graph, plan, desc, options.schedule, options.boundaries_as_activations),
                       options.boundaries_as_activations);
}

// Blocks scheduled by the config a tuning search found (ScheduleOptions::tuned) rather than their default.
int countTuned(const std::vector<BlockPipeline>& blocks, const ScheduleOptions& options) {
  int tuned = 0;
  for (const auto& [b, config] : options.tuned)
    if (!options.overrides.count(b) && b < static_cast<int>(blocks.size()) && blocks[b].schedule == config)
      ++tuned;
  return tuned;
}

// The artifact's standalone Halide runtime: copied from the runtime cache when it holds one for the target,
// otherwise a job that compiles it (first, beside the blocks: alone it kept one core busy for over a second)
// and keeps it there. Compiled in a child like the blocks, so that the parent's Halide name counters, which
// the blocks' children start from, are the same whether the runtime was kept or not.
std::optional<ForkedJob> provideRuntime(const fs::path& object, const Halide::Target& target,
                                        const fs::path& cache) {
  const fs::path kept = cache.empty() ? fs::path() : keptRuntimePath(cache, target);
  std::error_code not_kept;
  if (!kept.empty() && fs::copy_file(kept, object, not_kept)) return std::nullopt;
  return ForkedJob{"the Halide runtime",
                   [object, target] { Halide::compile_standalone_runtime(object.string(), target); },
                   [object, kept] {
                     if (!kept.empty()) keepRuntime(object, kept);
                   }};
}

void package(const ir::Graph& graph, const fusion::Plan& plan, const fusion::PlanMetrics& metrics,
             const CompileOptions& options, const TargetInfo& target, const fs::path& staging,
             ArtifactSummary& summary) {
  const Toolchain toolchain = toolchainFor(target.halide);
  const fs::path object_dir = staging / "objects";
  fs::create_directories(object_dir);
  PhaseTimer timer(summary.phases);
  const TargetDesc desc = describeTarget(target.halide, options.schedule.threads);
  const ValueLayouts layouts = layoutsFor(graph, plan, desc, options);
  BlockCompiler compiler(graph, plan, layouts, desc, target.halide, options, object_dir);
  compiler.schedule();
  std::vector<ForkedJob> jobs = compiler.compileJobs();
  const fs::path runtime_object = object_dir / "halide_runtime.o";
  if (std::optional<ForkedJob> job = provideRuntime(runtime_object, target.halide, options.runtime_cache))
    jobs.insert(jobs.begin(), std::move(*job));
  runForked(jobs, options.jobs > 0 ? options.jobs : static_cast<int>(std::thread::hardware_concurrency()),
            object_dir, "compile");
  std::vector<BlockPipeline> blocks = compiler.finish(summary.block_times);
  timer.end("codegen");
  std::vector<fs::path> objects{runtime_object};
  for (const BlockCompileTime& time : summary.block_times)
    if (time.same_as < 0) objects.push_back(object_dir / (blocks[time.block].function_name + ".o"));
  const std::string& name = options.model_name;
  linkLibraries(objects, staging / ("lib" + name + ".so"), staging / ("lib" + name + ".a"), toolchain);
  fs::remove_all(object_dir);
  timer.end("link");

  const WeightsLayout weights = writeWeights(staging / (name + ".weights"), graph, plan, layouts);
  ManifestInput in{graph,
                   plan,
                   metrics,
                   layouts,
                   weights,
                   blocks,
                   name,
                   target.name,
                   target.halide.to_string(),
                   scheduleKindName(options.schedule.kind)};
  writeFile(staging / (name + ".h"), headerText(in));
  writeFile(staging / artifact::kManifestFile, buildManifest(in).dump(2) + "\n");
  writeChecksums(staging);
  timer.end("package");
  summary.halide_target = target.halide.to_string();
  summary.blocks = static_cast<int>(blocks.size());
  summary.functions =
      static_cast<int>(std::count_if(summary.block_times.begin(), summary.block_times.end(),
                                     [](const BlockCompileTime& t) { return t.same_as < 0; }));
  summary.weight_bytes = static_cast<int64_t>(weights.data_bytes);
  summary.tuned_blocks = countTuned(blocks, options.schedule);
}

void checkModelName(const std::string& name) {
  const bool valid = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
  if (!valid) fail("model name '{}' must be letters, digits and '_' only (it names C functions)", name);
}

// Halide's buffers (without its large_buffers feature, which costs 64-bit index arithmetic everywhere) hold
// at most 2^31 - 1 bytes, with 32-bit extents and strides. A larger value would fail deep inside Halide's
// compile, or crash it, after minutes of work; it is refused before any.
void checkHalideBufferLimits(const ir::Graph& graph) {
  constexpr int64_t kMaxBufferBytes = std::numeric_limits<int32_t>::max();
  for (ir::ValueId id = 0; id < graph.numValues(); ++id) {
    const ir::Value& value = graph.value(id);
    if (value.type.bytes() <= kMaxBufferBytes) continue;
    fail(
        "value '{}' ({}) has {} bytes, more than the 2 GiB a Halide buffer can hold; compile for a smaller "
        "--input-shape or batch",
        value.name, ir::toString(value.type), value.type.bytes());
  }
}

}  // namespace

std::string blockFunctionName(const std::string& model_name, int block) {
  return fmt::format("kiln_{}_b{}", model_name, block);
}

std::vector<ScheduleChoice> scheduleChoices(const ir::Graph& graph, const fusion::Plan& plan,
                                            const CompileOptions& options) {
  const TargetInfo target = resolveTarget(options.target);
  const TargetDesc desc = describeTarget(target.halide, options.schedule.threads);
  const auto describe = [&](const CompileOptions& with, const ValueLayouts& layouts, size_t b) {
    const BlockPipeline built = buildBlockPipeline(graph, plan.blocks[b], layouts,
                                                   blockFunctionName(with.model_name, static_cast<int>(b)));
    return describeSchedule(built, graph, desc, target.halide);
  };
  std::vector<ScheduleChoice> choices(plan.blocks.size());
  CompileOptions direct = options;  // Winograd blocks lowered as direct convs
  bool any_winograd = false;
  const ValueLayouts layouts = layoutsFor(graph, plan, desc, options);
  for (size_t b = 0; b < plan.blocks.size(); ++b) {
    choices[b].templates.push_back(describe(options, layouts, b));
    if (choices[b].byDefault().default_config.template_name != "winograd") continue;
    direct.schedule.overrides[static_cast<int>(b)] = {"dense_conv", {}};
    any_winograd = true;
  }
  if (!any_winograd) return choices;
  const ValueLayouts direct_layouts = layoutsFor(graph, plan, desc, direct);
  for (size_t b = 0; b < plan.blocks.size(); ++b)
    if (choices[b].byDefault().default_config.template_name == "winograd")
      choices[b].templates.push_back(describe(direct, direct_layouts, b));
  return choices;
}

ArtifactSummary compileArtifact(const ir::Graph& graph, const fusion::Plan& plan,
                                const fusion::PlanMetrics& metrics, const CompileOptions& options,
                                const fs::path& given_directory) {
  const auto start = Clock::now();
  const fs::path directory = artifactDirectory(given_directory);
  checkModelName(options.model_name);
  checkHalideBufferLimits(graph);
  const TargetInfo target = resolveTarget(options.target);
  checkReplaceable(directory);
  fs::path staging = directory;
  staging += ".partial";
  std::error_code ignored;
  fs::remove_all(staging, ignored);
  ArtifactSummary summary;
  summary.directory = directory;
  try {
    if (!fs::create_directories(staging, ignored) && !fs::is_directory(staging))
      fail("cannot create {}: {}", staging.string(), ignored.message());
    package(graph, plan, metrics, options, target, staging, summary);
    fs::remove_all(directory);
    fs::rename(staging, directory);
  } catch (...) {
    fs::remove_all(staging, ignored);
    throw;
  }
  summary.seconds = secondsSince(start);
  return summary;
}

}  // namespace kiln::codegen
