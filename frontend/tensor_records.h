// A .pt file keeps each tensor's bytes in a zip record of its own (data/<key>, constants/<key>) and its size,
// offset and strides in the pickle beside them. LibTorch 1.13 believes the pickle: a record cut shorter than
// its tensor, or a tensor that reaches past its storage, loads without complaint, and whatever then reads the
// tensor (freezing, kiln's import, a validation run) reads past the record's memory. checkTensorRecords
// refuses such a file before anything reads its tensors.
//
// A loaded storage no longer names its record, so kiln learns each record's length from the memory behind
// the storage: while the file loads, LibTorch's CPU allocator is one that records every allocation's size
// (RecordedAllocationSizes), and the records are read into such allocations.
#pragma once

#include <string>

#include <torch/script.h>

#include "frontend/cpu_allocator_scope.h"

namespace kiln::frontend {

// While alive, LibTorch's CPU allocations record their sizes; load the file inside its lifetime. Not for
// use while another thread runs LibTorch.
class RecordedAllocationSizes {
 public:
  RecordedAllocationSizes();

 private:
  CpuAllocatorScope scope_;
};

// Throws kiln::Error naming the file when a tensor needs more bytes than its record holds, or reaches past
// its storage. `module` must have been loaded inside a RecordedAllocationSizes.
void checkTensorRecords(const torch::jit::Module& module, const std::string& path);

}  // namespace kiln::frontend
