// The reference executor's ATen evaluation of each IR op kind, one file per op family (mirroring
// codegen/lowerings/). A kernel takes the op's inputs in order and returns one tensor per op output.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <ATen/ATen.h>

#include "ir/attributes.h"

namespace kiln::frontend::reference {

using Inputs = std::vector<at::Tensor>;
using Outputs = std::vector<at::Tensor>;
using Kernel = Outputs (*)(const Inputs&, const ir::Attributes&);
using KernelTable = std::map<std::string, Kernel>;

KernelTable elementwiseKernels();
KernelTable convolutionKernels();
KernelTable normalizationKernels();
KernelTable poolingKernels();
KernelTable resizeKernels();
KernelTable dataMovementKernels();

inline at::IntArrayRef ints(const ir::Attributes& attrs, const char* name) {
  const auto& v = attrs.getInts(name);
  return at::IntArrayRef(v.data(), v.size());
}

// Input i, or an undefined tensor (ATen's "None") when the op has fewer inputs.
inline at::Tensor optionalInput(const Inputs& in, size_t i) {
  return i < in.size() ? in[i] : at::Tensor();
}

}  // namespace kiln::frontend::reference
