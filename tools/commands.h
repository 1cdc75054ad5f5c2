// The subcommands of the `kiln` command line, one file each. Each `add...Command` registers its options on
// the CLI11 app and the callback that runs it; errors surface as kiln::Error and are printed by main.
#pragma once

#include <CLI/CLI.hpp>

namespace kiln::tools {

void addInspectCommand(CLI::App& app);
void addOpsCommand(CLI::App& app);
void addPartitionCommand(CLI::App& app);
void addCompileCommand(CLI::App& app);
void addRunCommand(CLI::App& app);
void addValidateCommand(CLI::App& app);
void addMachineCommand(CLI::App& app);
void addProfileCommand(CLI::App& app);
void addBenchCommand(CLI::App& app);
void addTuneCommand(CLI::App& app);

}  // namespace kiln::tools
