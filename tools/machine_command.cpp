// `kiln machine`: measures (or shows the cached) peak FLOP/s and memory bandwidth every roofline figure uses.
#include <cstdio>

#include "profiling/machine_probe.h"
#include "tools/commands.h"

namespace kiln::tools {

void addMachineCommand(CLI::App& app) {
  auto remeasure = std::make_shared<bool>(false);
  CLI::App* command = app.add_subcommand(
      "machine",
      "measure this machine's peak FP32 FLOP/s and memory bandwidth (cached; used by every roofline)");
  command->add_flag("--remeasure", *remeasure, "measure again even if the figures are cached");
  command->callback([remeasure] {
    const profiling::MachinePeaks peaks = profiling::machinePeaks(*remeasure);
    std::fputs(profiling::describeMachine(peaks).c_str(), stdout);
  });
}

}  // namespace kiln::tools
