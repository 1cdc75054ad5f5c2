// kiln — compiles PyTorch models into fused native libraries. This is the command-line entry point.
#include <cstdio>

#include <c10/util/Exception.h>
#include <CLI/CLI.hpp>

#include "frontend/torchscript_importer.h"
#include "ir/error.h"
#include "ir/fork_server.h"
#include "runtime/error.h"
#include "tools/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"kiln: compile TorchScript models into fused native libraries"};
  app.require_subcommand(1);
  kiln::tools::addInspectCommand(app);
  kiln::tools::addOpsCommand(app);
  kiln::tools::addPartitionCommand(app);
  kiln::tools::addCompileCommand(app);
  kiln::tools::addRunCommand(app);
  kiln::tools::addValidateCommand(app);
  kiln::tools::addMachineCommand(app);
  kiln::tools::addProfileCommand(app);
  kiln::tools::addBenchCommand(app);
  kiln::tools::addTuneCommand(app);
  try {
    // While kiln has one thread: frontend/torchscript_importer.h says why.
    kiln::frontend::startLoadProbes(kiln::ForkServer::Children::OnePerJob);
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const kiln::Error& e) {
    std::fprintf(stderr, "kiln: error: %s\n", e.what());
    return 1;
  } catch (const kiln::runtime::Error& e) {
    std::fprintf(stderr, "kiln: error: %s\n", e.what());
    return 1;
  } catch (const c10::Error& e) {  // LibTorch's own text, without its C++ backtrace
    std::fprintf(stderr, "kiln: internal error in LibTorch: %s\n", e.what_without_backtrace());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kiln: internal error: %s\n", e.what());
    return 2;
  }
  return 0;
}
