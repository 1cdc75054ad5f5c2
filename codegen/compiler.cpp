#include "codegen/compiler.h"

#include <atomic>
#include <chrono>
#include <exception>
#include <mutex>
#include <regex>
#include <thread>

#include "codegen/package.h"
#include "codegen/target.h"
#include "ir/error.h"
#include "ir/files.h"
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

// Lowers, schedules and compiles every block on `jobs` threads; the first failure is rethrown.
std::vector<BlockPipeline> compileBlocks(const ir::Graph& graph, const fusion::Plan& plan,
                                         const ValueLayouts& layouts, const TargetDesc& desc,
                                         const Halide::Target& target, const CompileOptions& options,
                                         const fs::path& object_dir, std::vector<BlockCompileTime>& times) {
  const int count = static_cast<int>(plan.blocks.size());
  std::vector<BlockPipeline> blocks(count);
  times.assign(count, {});
  std::atomic<int> next{0}, done{0};
  std::mutex mutex;
  std::exception_ptr failure;
  const Halide::Target block_target = target.with_feature(Halide::Target::NoRuntime);
  auto worker = [&] {
    for (int b = next++; b < count && !failure; b = next++) {
      const fusion::Block& block = plan.blocks[b];
      const auto start = Clock::now();
      try {
        BlockPipeline built = scheduledBlock(graph, block, layouts, desc, target, options, b);
        std::vector<Halide::Argument> args(built.params.begin(), built.params.end());
        Halide::Module module = built.pipeline.compile_to_module(args, built.function_name, block_target);
        module.compile(
            {{Halide::OutputFileType::object, (object_dir / (built.function_name + ".o")).string()}});
        built.gpu_kernels = ptxKernels(module);
        blocks[b] = std::move(built);
      } catch (const std::exception& e) {
        std::lock_guard lock(mutex);
        if (!failure)
          failure = std::make_exception_ptr(Error(
              fmt::format("block {} ({}) failed to compile: {}", b, blockPattern(graph, block), e.what())));
        continue;
      }
      times[b] = {b, blockPattern(graph, block), blocks[b].schedule.toString(), secondsSince(start)};
      std::lock_guard lock(mutex);
      if (options.progress)
        options.progress(fmt::format("[{}/{}] block {} {} ({:.2f} s) {}{}", ++done, count, b,
                                     times[b].pattern, times[b].seconds, times[b].schedule,
                                     blocks[b].schedule_note));
    }
  };
  const int jobs =
      std::max(1, std::min(count, options.jobs > 0 ? options.jobs
                                                   : static_cast<int>(std::thread::hardware_concurrency())));
  std::vector<std::thread> threads;
  for (int j = 0; j < jobs; ++j) threads.emplace_back(worker);
  for (std::thread& t : threads) t.join();
  if (failure) std::rethrow_exception(failure);
  return blocks;
}

void package(const ir::Graph& graph, const fusion::Plan& plan, const fusion::PlanMetrics& metrics,
             const CompileOptions& options, const TargetInfo& target, const fs::path& staging,
             ArtifactSummary& summary) {
  const Toolchain toolchain = toolchainFor(target.halide);
  const fs::path object_dir = staging / "objects";
  fs::create_directories(object_dir);
  PhaseTimer timer(summary.phases);
  const TargetDesc desc = describeTarget(target.halide, options.schedule.threads);
  const ValueLayouts layouts =
      chooseLayouts(graph, plan, desc, winogradConvs(graph, plan, desc, options.schedule));
  std::vector<BlockPipeline> blocks =
      compileBlocks(graph, plan, layouts, desc, target.halide, options, object_dir, summary.block_times);
  timer.end("codegen");
  std::vector<fs::path> objects;
  for (const BlockPipeline& block : blocks) objects.push_back(object_dir / (block.function_name + ".o"));
  objects.push_back(object_dir / "halide_runtime.o");
  Halide::compile_standalone_runtime(objects.back().string(), target.halide);
  timer.end("runtime");
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
  timer.end("package");
  summary.halide_target = target.halide.to_string();
  summary.blocks = static_cast<int>(blocks.size());
  summary.weight_bytes = static_cast<int64_t>(weights.data_bytes);
}

void checkModelName(const std::string& name) {
  const bool valid = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
  if (!valid) fail("model name '{}' must be letters, digits and '_' only (it names C functions)", name);
}

}  // namespace

std::string blockFunctionName(const std::string& model_name, int block) {
  return fmt::format("kiln_{}_b{}", model_name, block);
}

ArtifactSummary compileArtifact(const ir::Graph& graph, const fusion::Plan& plan,
                                const fusion::PlanMetrics& metrics, const CompileOptions& options,
                                const fs::path& directory) {
  const auto start = Clock::now();
  checkModelName(options.model_name);
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
