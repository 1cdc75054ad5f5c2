#include "tools/machine_options.h"

namespace kiln::tools {

void MachineOptions::addTo(CLI::App& command) {
  command
      .add_option("--peak-gflops", peak_gflops, "roofline FP32 peak of all threads (default: `kiln machine`)")
      ->check(CLI::PositiveNumber);
  command.add_option("--bandwidth-gbs", bandwidth_gbs, "roofline memory bandwidth (default: `kiln machine`)")
      ->check(CLI::PositiveNumber);
}

profiling::MachinePeaks MachineOptions::peaks() const {
  const bool both_given = peak_gflops > 0 && bandwidth_gbs > 0;
  profiling::MachinePeaks peaks;
  if (both_given) {
    peaks.identity = peaks.source = "given on the command line";
    peaks.cores = profiling::hardwareThreads();
  } else {
    peaks = profiling::machinePeaks();
    if (peak_gflops > 0 || bandwidth_gbs > 0) peaks.source += ", partly overridden on the command line";
  }
  if (peak_gflops > 0) {
    peaks.all_core_flops = peak_gflops * 1e9;
    peaks.core_flops = peaks.all_core_flops / peaks.cores;
  }
  if (bandwidth_gbs > 0) peaks.bandwidth = bandwidth_gbs * 1e9;
  return peaks;
}

}  // namespace kiln::tools
