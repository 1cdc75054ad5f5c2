// The LibTorch side of every comparison kiln makes (validate, profile, bench): loading the TorchScript
// module, running it, and the seeded inputs both sides share.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include <torch/script.h>

#include "runtime/manifest.h"

namespace kiln::validation {

// The module in eval mode; kiln::Error naming the file when LibTorch cannot load it.
torch::jit::Module loadTorchModule(const std::filesystem::path& model);

// forward() on `inputs` without autograd; the outputs as tensors (kiln::Error when it returns anything else).
std::vector<at::Tensor> runTorch(torch::jit::Module& module, const std::vector<at::Tensor>& inputs);

// Inputs of the artifact's shapes and dtypes, from `seed`: standard-normal floats, int64 values uniform in
// [0, index_range) (token ids, indices), fair-coin bools.
std::vector<at::Tensor> seededInputs(const runtime::Manifest& manifest, uint64_t seed,
                                     int64_t index_range = 2);

}  // namespace kiln::validation
