// `kiln profile DIR [MODEL.pt]`: per-block latency, throughput and roofline of a compiled artifact, beside
// LibTorch's time for the same ops when the model is given; text, JSON, Chrome trace and HTML.
#include <cstdio>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "codegen/compiler.h"
#include "codegen/schedule_config.h"
#include "fusion/reports.h"
#include "ir/error.h"
#include "ir/files.h"
#include "profiling/block_profile.h"
#include "profiling/profile_report.h"
#include "runtime/manifest.h"
#include "tools/commands.h"
#include "tools/machine_options.h"
#include "tuning/block_timer.h"
#include "validation/artifact_executor.h"
#include "validation/compile_model.h"

namespace kiln::tools {
namespace {

namespace fs = std::filesystem;

struct ProfileCommandOptions {
  std::string artifact, model, output;
  profiling::ProfileOptions profile;
  MachineOptions machine;
  bool halide_profile = false;
};

// The roofline the artifact's plan was priced with, so that the rebuild forms the same blocks; an artifact
// from before manifests recorded it gets the machine as measured now, which may form others.
std::optional<fusion::Machine> planMachine(const fs::path& artifact) {
  const nlohmann::json manifest = nlohmann::json::parse(readFile(artifact / "manifest.json"));
  const auto plan = manifest.find("plan");
  if (plan == manifest.end() || !plan->contains("machine")) return std::nullopt;
  return fusion::machineFromJson(plan->at("machine"));
}

// Halide's per-Func report: the same blocks (the artifact's plan and schedule configs) rebuilt with its
// profiler into a scratch directory and run.
std::string halideProfile(const ProfileCommandOptions& options, const profiling::MachinePeaks& peaks) {
  const runtime::Manifest manifest = runtime::readManifest(options.artifact);
  validation::ModelCompileOptions compile;
  compile.inputs = validation::importOptionsOf(manifest);
  compile.strategy = manifest.strategy;
  const std::optional<fusion::Machine> machine = planMachine(options.artifact);
  compile.partition.machine = machine ? *machine : peaks.costModelMachine(profiling::hardwareThreads());
  if (!machine)
    std::fprintf(stderr,
                 "kiln: %s does not record the machine its plan was priced with (compiled by an older "
                 "kiln): the rebuild plans for the machine as measured now, and its blocks may differ\n",
                 options.artifact.c_str());
  compile.codegen.target = manifest.halide_target + "-profile";
  compile.codegen.schedule.kind = codegen::parseScheduleKind(manifest.schedule);
  compile.codegen.schedule.threads = profiling::hardwareThreads();
  compile.codegen.schedule.overrides =
      codegen::readScheduleOverrides(fs::path(options.artifact) / "manifest.json");
  compile.codegen.model_name = manifest.model;
  compile.codegen.progress = [](const std::string& line) {
    std::fprintf(stderr, "kiln: halide-profile build: %s\n", line.c_str());
  };
  TempDirectory scratch("halide-profile");
  const fs::path artifact = scratch.path() / "profiled.kiln";
  validation::compileModel(options.model, compile, artifact);
  profiling::ProfileOptions run = options.profile;
  run.model.clear();
  return profiling::profileArtifact(artifact, run, peaks).halide_profile;
}

// One block call's cost on the artifact's target and threads, or nothing (with a warning) when an empty block
// cannot be built for it here.
std::optional<double> blockLaunchSeconds(const profiling::ModelProfile& profile) {
  tuning::TimerOptions timer;
  timer.target = profile.halide_target;
  timer.threads = profile.threads;
  timer.runs = 50;
  try {
    return tuning::timeBlockLaunch(timer).median_seconds;
  } catch (const Error& e) {
    std::fprintf(stderr, "kiln: warning: the cost of a block launch was not measured: %s\n", e.what());
    return std::nullopt;
  }
}

void run(ProfileCommandOptions& options) {
  if (options.halide_profile && options.model.empty())
    fail(
        "--halide-profile rebuilds the blocks with Halide's profiler, so it needs the model: "
        "kiln profile {} MODEL.pt --halide-profile",
        options.artifact);
  const profiling::MachinePeaks peaks = options.machine.peaks();
  options.profile.model = options.model;
  profiling::ModelProfile profile = profiling::profileArtifact(options.artifact, options.profile, peaks);
  if (options.halide_profile) profile.halide_profile = halideProfile(options, peaks);
  profile.launch_seconds = blockLaunchSeconds(profile);
  std::fputs(profiling::profileText(profile).c_str(), stdout);

  const std::string prefix = options.output.empty()
                                 ? fs::path(options.artifact).lexically_normal().string() + ".profile"
                                 : options.output;
  writeFileAtomically(prefix + ".json", profiling::profileJson(profile).dump(2) + "\n");
  writeFileAtomically(prefix + ".trace.json", profiling::chromeTrace(profile).dump() + "\n");
  writeFileAtomically(prefix + ".html", profiling::profileHtml(profile));
  std::printf("wrote %s.json, %s.trace.json (open in ui.perfetto.dev or chrome://tracing), %s.html\n",
              prefix.c_str(), prefix.c_str(), prefix.c_str());
}

}  // namespace

void addProfileCommand(CLI::App& app) {
  auto options = std::make_shared<ProfileCommandOptions>();
  CLI::App* command = app.add_subcommand(
      "profile", "time every block of an artifact against the roofline (and LibTorch, given the model)");
  command->add_option("artifact", options->artifact, "artifact directory written by `kiln compile`")
      ->required();
  command->add_option("model", options->model,
                      "the TorchScript file it was compiled from: adds LibTorch's time for the same ops");
  command->add_option("--runs", options->profile.runs, "measured runs")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command->add_option("--warmup", options->profile.warmup, "runs before measuring")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  command
      ->add_option("--threads", options->profile.threads,
                   "threads for kiln and LibTorch (default: all cores)")
      ->check(CLI::NonNegativeNumber);
  command->add_option("--seed", options->profile.seed, "seed of the standard-normal inputs")
      ->capture_default_str();
  command->add_option("-o,--output", options->output,
                      "prefix of the files written: PREFIX.json, PREFIX.trace.json, PREFIX.html "
                      "(default: ARTIFACT.profile)");
  command->add_flag("--halide-profile", options->halide_profile,
                    "also rebuild the blocks with Halide's profiler and show its per-Func breakdown");
  options->machine.addTo(*command);
  command->callback([options] { run(*options); });
}

}  // namespace kiln::tools
