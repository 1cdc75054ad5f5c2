// `kiln validate MODEL.pt DIR`: runs the artifact and LibTorch on the same seeded inputs and compares them;
// on a mismatch, names the first block that disagrees with the reference executor. Exit 1 on failure.
// An arm64 artifact runs under qemu-aarch64 on an x86-64 machine.
#include <cstdio>

#include "codegen/target.h"
#include "ir/error.h"
#include "tools/commands.h"
#include "validation/validate.h"

namespace kiln::tools {
namespace {

struct ValidateCommandOptions {
  std::string model;
  std::string artifact;
  validation::ValidateOptions validate;
};

void run(const ValidateCommandOptions& options) {
  const validation::ValidationReport report =
      validation::validateArtifact(options.model, options.artifact, options.validate);
  std::fputs(validation::formatReport(report, options.validate.tolerance).c_str(), stdout);
  if (!report.pass) fail("{} does not match {} within tolerance", options.artifact, options.model);
}

}  // namespace

void addValidateCommand(CLI::App& app) {
  auto options = std::make_shared<ValidateCommandOptions>();
  CLI::App* command = app.add_subcommand("validate", "check a compiled artifact against LibTorch");
  command->add_option("model", options->model, "the TorchScript model the artifact was compiled from")
      ->required();
  command->add_option("artifact", options->artifact, "artifact directory written by `kiln compile`")
      ->required();
  command->add_option("--seeds", options->validate.seeds, "seeds of the random inputs")
      ->capture_default_str();
  command
      ->add_option("--tolerance", options->validate.tolerance.scaled_error,
                   "largest max abs error allowed, relative to the output's largest magnitude")
      ->capture_default_str();
  command
      ->add_option("--min-cosine", options->validate.tolerance.min_cosine,
                   "smallest cosine similarity allowed")
      ->capture_default_str();
  command
      ->add_option("--target", options->validate.target,
                   "the target the artifact was compiled for (e.g. arm64: runs it under qemu-aarch64); "
                   "default: the one in its manifest")
      ->check(CLI::IsMember(codegen::knownTargetNames()));
  command->add_option("--threads", options->validate.threads, "runtime threads (default: one per core)")
      ->check(CLI::NonNegativeNumber);
  command
      ->add_option(
          "--index-range", options->validate.index_range,
          "int64 inputs (token ids) are drawn from [0, N): at most the smallest vocabulary they index")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command->callback([options] { run(*options); });
}

}  // namespace kiln::tools
