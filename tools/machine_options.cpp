#include "tools/machine_options.h"

#include <algorithm>
#include <thread>

namespace kiln::tools {

void MachineOptions::addTo(CLI::App& command) {
  command
      .add_option("--peak-gflops", peak_gflops, "roofline FP32 peak of all threads (default: `kiln machine`)")
      ->check(CLI::PositiveNumber);
  command.add_option("--bandwidth-gbs", bandwidth_gbs, "roofline memory bandwidth (default: `kiln machine`)")
      ->check(CLI::PositiveNumber);
}

profiling::MachinePeaks MachineOptions::peaks() const {
  profiling::MachinePeaks peaks;
  if (peak_gflops > 0 && bandwidth_gbs > 0) {
    peaks.identity = "given on the command line";
    peaks.cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  } else {
    peaks = profiling::machinePeaks();
  }
  if (peak_gflops > 0) {
    peaks.all_core_flops = peak_gflops * 1e9;
    peaks.core_flops = peaks.all_core_flops / peaks.cores;
  }
  if (bandwidth_gbs > 0) peaks.bandwidth = bandwidth_gbs * 1e9;
  if (peak_gflops > 0 || bandwidth_gbs > 0) peaks.source = "partly given on the command line";
  if (peak_gflops > 0 && bandwidth_gbs > 0) peaks.source = "given on the command line";
  return peaks;
}

}  // namespace kiln::tools
