// `kiln tune MODEL.pt`: searches each distinct block's schedule space on this machine (tuning/tuner.h) and
// keeps the measurements and choices in the tuning database, which `kiln compile` then reads.
#include <csignal>
#include <cstdio>

#include <fmt/format.h>

#include "codegen/target.h"
#include "fusion/strategies.h"
#include "ir/error.h"
#include "profiling/machine_probe.h"
#include "tools/commands.h"
#include "tools/latency_options.h"
#include "tools/machine_options.h"
#include "tools/model_options.h"
#include "tuning/tune_job.h"
#include "tuning/tuner.h"
#include "validation/compile_model.h"

namespace kiln::tools {
namespace {

struct TuneCommandOptions {
  std::string model;
  std::vector<std::string> input_shapes;
  std::string target = "host";
  double budget_seconds = 240;
  std::string db;
  int jobs = 0;
  bool retune = false;
  std::string export_file, import_file, worker_job;
  MachineOptions machine;
};

std::atomic<bool> interrupted{false};

void onInterrupt(int) {
  interrupted = true;
}

std::filesystem::path database(const TuneCommandOptions& options) {
  return options.db.empty() ? defaultTuningDatabase() : std::filesystem::path(options.db);
}

void tune(const TuneCommandOptions& options) {
  ModelOptions model{options.model, options.input_shapes};
  const int threads = profiling::hardwareThreads();
  ir::Graph graph = validation::importCanonical(model.path, model.importOptions());
  tuning::TimingDatabase db(database(options));
  fusion::PartitionOptions partition;
  partition.machine = options.machine.keptPlanningPeaks(db).costModelMachine(threads);
  const fusion::Plan plan = fusion::partition(graph, "dnnfusion", partition);

  tuning::TuneOptions tune;
  tune.timer.target = options.target;
  tune.timer.threads = threads;
  tune.timer.machine = partition.machine;
  tune.machine = profiling::machineIdentity();
  tune.budget_seconds = options.budget_seconds;
  tune.jobs = options.jobs > 0 ? options.jobs : threads;
  tune.kiln = std::filesystem::read_symlink("/proc/self/exe");
  tune.retune = options.retune;
  tune.progress = [](const std::string& line) { std::fprintf(stderr, "kiln: %s\n", line.c_str()); };
  tune.stop = &interrupted;
  std::signal(SIGINT, onInterrupt);
  std::fprintf(
      stderr,
      "kiln: tuning %zu blocks of %s for %s on %d threads, budget %.0f s (Ctrl-C stops and keeps what "
      "was measured)\n",
      plan.blocks.size(), options.model.c_str(), options.target.c_str(), threads, options.budget_seconds);
  const tuning::TuneReport report = tuning::tuneModel(graph, plan, db, tune);
  std::signal(SIGINT, SIG_DFL);
  std::printf("%s", tuning::tuneTable(report).c_str());
  std::printf("database: %s (`kiln compile` uses its choices on this machine)\n", db.path().c_str());
}

void run(const TuneCommandOptions& options) {
  const int modes = !options.model.empty() + !options.export_file.empty() + !options.import_file.empty() +
                    !options.worker_job.empty();
  if (modes != 1)
    fail("kiln tune takes one of: a model to tune, --export FILE, --import FILE or --worker JOB");
  if (!options.worker_job.empty()) {
    tuning::runTuneJob(tuning::readTuneJob(options.worker_job));
  } else if (!options.export_file.empty()) {
    tuning::TimingDatabase db(database(options));
    const int rows = db.exportRows(profiling::machineIdentity(), options.export_file);
    std::printf("exported %d rows measured on %s to %s\n", rows, profiling::machineIdentity().c_str(),
                options.export_file.c_str());
  } else if (!options.import_file.empty()) {
    tuning::TimingDatabase db(database(options));
    const auto counts = db.importRows(options.import_file, profiling::machineIdentity());
    std::printf("imported %d rows into %s as measured on %s; left out %d rows of other kinds of machine\n",
                counts.imported, db.path().c_str(), profiling::machineIdentity().c_str(),
                counts.other_machines);
  } else {
    tune(options);
  }
}

}  // namespace

void addTuneCommand(CLI::App& app) {
  auto options = std::make_shared<TuneCommandOptions>();
  CLI::App* command = app.add_subcommand(
      "tune", "search every block's schedule on this machine and keep the fastest in the tuning database");
  command->add_option("model", options->model, "TorchScript model file (.pt), traced or scripted");
  command->add_option("--input-shape", options->input_shapes,
                      "input shape such as 1x3x224x224, once per model input (default: stored in the file)");
  command->add_option("--target", options->target, "a target that runs on this machine")
      ->capture_default_str();
  command->add_option("--budget", options->budget_seconds, "seconds the search may take")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command->add_option("--db", options->db,
                      fmt::format("tuning database (default {})", defaultTuningDatabase().string()));
  command
      ->add_option("-j,--jobs", options->jobs,
                   "worker processes compiling candidates at once (default: one per core)")
      ->check(CLI::NonNegativeNumber);
  command->add_flag("--retune", options->retune, "search again the blocks the database has a choice for");
  command->add_option("--export", options->export_file,
                      "write this machine's rows of the database to FILE, for a machine of the same kind");
  command->add_option("--import", options->import_file,
                      "add the rows of FILE measured on a machine of this kind, as measured here");
  command->add_option("--worker", options->worker_job,
                      "compile (and, if it names a database, time) one job's candidates: the unit a tune "
                      "spreads over machines (tuning/tune_job.h)");
  options->machine.addTo(*command);
  command->callback([options] { run(*options); });
}

}  // namespace kiln::tools
