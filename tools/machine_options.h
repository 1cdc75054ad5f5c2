// The roofline's machine, shared by every subcommand that prices or judges kernels (partition, compile,
// profile): the figures `kiln machine` measured and cached, unless the user gives their own.
#pragma once

#include <CLI/CLI.hpp>

#include "profiling/machine_probe.h"

namespace kiln::tools {

struct MachineOptions {
  double peak_gflops = 0;    // all threads; 0: measured
  double bandwidth_gbs = 0;  // 0: measured

  void addTo(CLI::App& command);
  // Measures (once per machine, then cached) only what the user did not give.
  profiling::MachinePeaks peaks() const;
};

}  // namespace kiln::tools
