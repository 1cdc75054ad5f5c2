// Runs a compiled artifact wherever its code can run, for validation against LibTorch on this machine.
//
// An artifact for this machine's CPU (x86-64, or x86-64 with CUDA kernels) is loaded into this process with
// kiln's runtime. A 64-bit ARM artifact is run by kiln-runner, cross-built for aarch64 beside kiln, under
// qemu-aarch64 (Debian's qemu-user): inputs, outputs and kept activations travel as .npy files in a scratch
// directory. Both give the same tensors, so validation and fault localization do not care which ran.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <ATen/ATen.h>

#include "frontend/torchscript_importer.h"
#include "runtime/manifest.h"

namespace kiln::validation {

class ArtifactExecutor {
 public:
  virtual ~ArtifactExecutor() = default;
  virtual const runtime::Manifest& manifest() const = 0;
  // How the artifact runs, for reports: "in this process", "under qemu-aarch64".
  virtual std::string where() const = 0;
  // Runs once on inputs of the manifest's shapes and dtypes; returns the outputs in logical shape. With
  // `activations`, also every activation a block writes, by value id, in logical shape.
  virtual std::vector<at::Tensor> run(const std::vector<at::Tensor>& inputs,
                                      std::map<int, at::Tensor>* activations = nullptr) = 0;
};

// The ATen dtype of an artifact's element type, and the element type of an ATen tensor (kiln::Error for
// dtypes artifacts do not take).
at::ScalarType atenScalarType(runtime::ElementType type);
runtime::ElementType elementTypeOf(const at::Tensor& tensor);

// The shapes and dtypes of the artifact's inputs, to import its model again as it was compiled.
frontend::ImportOptions importOptionsOf(const runtime::Manifest& manifest);

// Picks how to run the artifact from the target it was compiled for. `expected_target` (a kiln target name,
// empty for any) must name the same architecture, or kiln::Error says what the artifact was compiled for.
// kiln::Error also when an ARM artifact cannot be emulated here, naming the package to install.
std::unique_ptr<ArtifactExecutor> openArtifact(const std::filesystem::path& artifact_dir, int threads,
                                               const std::string& expected_target = "");

}  // namespace kiln::validation
