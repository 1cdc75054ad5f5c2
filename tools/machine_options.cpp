#include "tools/machine_options.h"

#include <fmt/format.h>

namespace kiln::tools {

void MachineOptions::addTo(CLI::App& command) {
  command
      .add_option("--peak-gflops", peak_gflops, "roofline FP32 peak of all threads (default: `kiln machine`)")
      ->check(CLI::PositiveNumber);
  command.add_option("--bandwidth-gbs", bandwidth_gbs, "roofline memory bandwidth (default: `kiln machine`)")
      ->check(CLI::PositiveNumber);
}

namespace {

profiling::MachinePeaks kept(const tuning::PlanFigures& figures, const tuning::TimingDatabase& database) {
  profiling::MachinePeaks peaks;
  peaks.identity = profiling::machineIdentity();
  peaks.cores = profiling::hardwareThreads();
  peaks.core_flops = figures.core_flops;
  peaks.all_core_flops = figures.all_core_flops;
  peaks.bandwidth = figures.bandwidth;
  peaks.source = fmt::format("as its tunes planned, kept in {}", database.path().string());
  return peaks;
}

}  // namespace

profiling::MachinePeaks MachineOptions::planningPeaks(const tuning::TimingDatabase* database) const {
  if (!database || given()) return peaks();
  const std::optional<tuning::PlanFigures> figures = database->planFigures(profiling::machineIdentity());
  return figures ? kept(*figures, *database) : peaks();
}

profiling::MachinePeaks MachineOptions::keptPlanningPeaks(tuning::TimingDatabase& database) const {
  if (given()) return peaks();
  const std::string machine = profiling::machineIdentity();
  std::optional<tuning::PlanFigures> figures = database.planFigures(machine);
  if (!figures) {
    const profiling::MachinePeaks measured = peaks();
    figures =
        database.keepPlanFigures(machine, {measured.core_flops, measured.all_core_flops, measured.bandwidth});
  }
  return kept(*figures, database);
}

profiling::MachinePeaks MachineOptions::peaks() const {
  const bool both_given = peak_gflops > 0 && bandwidth_gbs > 0;
  profiling::MachinePeaks peaks;
  if (both_given) {
    peaks.identity = peaks.source = "given on the command line";
    peaks.cores = profiling::hardwareThreads();
  } else {
    peaks = profiling::machinePeaks();
    if (given()) peaks.source += ", partly overridden on the command line";
  }
  if (peak_gflops > 0) {
    peaks.all_core_flops = peak_gflops * 1e9;
    peaks.core_flops = peaks.all_core_flops / peaks.cores;
  }
  if (bandwidth_gbs > 0) peaks.bandwidth = bandwidth_gbs * 1e9;
  return peaks;
}

}  // namespace kiln::tools
