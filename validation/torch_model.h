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

// Standard-normal inputs of the artifact's input shapes, from `seed`.
std::vector<at::Tensor> seededInputs(const runtime::Manifest& manifest, uint64_t seed);

}  // namespace kiln::validation
