// The roofline's machine, shared by every subcommand that prices or judges kernels (partition, compile,
// profile): the figures `kiln machine` measured and cached, unless the user gives their own. Where a tuning
// database is in use (tune, compile, partition), the figures its tunes planned with: fusion forms blocks by
// them and a tuned choice belongs to its block, so a compile must plan as the tune did, whatever `kiln
// machine` measured since.
#pragma once

#include <CLI/CLI.hpp>

#include "profiling/machine_probe.h"
#include "tuning/timing_database.h"

namespace kiln::tools {

struct MachineOptions {
  double peak_gflops = 0;    // all threads; 0: measured
  double bandwidth_gbs = 0;  // 0: measured

  void addTo(CLI::App& command);
  // Measures (once per machine, then cached) only what the user did not give.
  profiling::MachinePeaks peaks() const;
  bool given() const { return peak_gflops > 0 || bandwidth_gbs > 0; }
  // The figures `database`'s tunes planned with on this machine, else peaks(); figures the user gave win.
  profiling::MachinePeaks planningPeaks(const tuning::TimingDatabase* database) const;
  // For a tune: as planningPeaks, and on the first tune into `database` on this machine, keeps peaks() there.
  profiling::MachinePeaks keptPlanningPeaks(tuning::TimingDatabase& database) const;
};

}  // namespace kiln::tools
