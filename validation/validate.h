// Validation of a compiled artifact against LibTorch.
//
// The artifact runs in kiln's runtime (in this process, or under emulation for another architecture:
// artifact_executor.h) and the original TorchScript module runs in LibTorch on the same seeded
// standard-normal inputs. Each output is compared by its max abs error, its max relative error and the cosine
// similarity; it passes when the max abs error, relative to the reference output's largest magnitude, is at
// most the tolerance and the cosine similarity is at least its floor.
//
// When a seed fails, the fault is localized: the artifact runs again keeping every block's outputs, the
// reference executor evaluates the canonical IR up to every block boundary, and the first block whose outputs
// disagree (by the same tolerance) is named with its ops.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <ATen/ATen.h>

#include "ir/graph.h"
#include "runtime/model.h"
#include "validation/artifact_executor.h"

namespace kiln::validation {

struct Tolerance {
  double scaled_error = 1e-4;  // max |artifact - reference| / max |reference|; fp32 sums in another order
  double min_cosine = 0.99999;
};

struct Comparison {
  std::string name;
  double max_abs = 0.0;
  double max_rel = 0.0;  // max |a - r| / |r| over elements with |r| >= 1e-3 * max |r|
  double scaled = 0.0;   // max_abs / max |r|
  double cosine = 0.0;
  bool pass = false;
};

struct SeedResult {
  uint64_t seed = 0;
  std::vector<Comparison> outputs;
  bool pass = true;
};

struct Fault {
  int block = -1;
  std::string function;
  std::vector<std::string> ops;  // the block's op kinds in order
  Comparison first_bad_output;
};

struct ValidationReport {
  std::string ran;  // where the artifact ran: "in this process", "under qemu-aarch64"
  std::vector<SeedResult> seeds;
  bool pass = true;
  std::optional<Fault> fault;  // set when a seed failed and a block could be blamed
};

struct ValidateOptions {
  std::vector<uint64_t> seeds = {1, 2, 3};
  Tolerance tolerance;
  int threads = 0;          // 0: one per core
  std::string target;       // the kiln target the artifact must have been compiled for; empty: any
  int64_t index_range = 2;  // int64 inputs are drawn from [0, index_range): token ids below every vocabulary
};

ValidationReport validateArtifact(const std::filesystem::path& model,
                                  const std::filesystem::path& artifact_dir, const ValidateOptions& options);

// Finds the first block of the artifact whose outputs disagree with the reference executor on `inputs`;
// nullopt when every block agrees.
std::optional<Fault> localizeFault(const std::filesystem::path& model, ArtifactExecutor& artifact,
                                   const std::vector<at::Tensor>& inputs, const Tolerance& tolerance);

// Runs a loaded artifact on contiguous ATen tensors of its dtypes and returns its outputs as ATen tensors.
std::vector<at::Tensor> runArtifact(runtime::Model& model, const std::vector<at::Tensor>& inputs);

std::string formatReport(const ValidationReport& report, const Tolerance& tolerance);

}  // namespace kiln::validation
