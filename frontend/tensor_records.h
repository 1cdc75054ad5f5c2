// A .pt file keeps each tensor's bytes in a zip record of its own (data/<key>, constants/<key>) and its size
// in the pickle beside them. LibTorch 1.13 believes the pickle: a record cut shorter than its tensor loads
// without complaint, and whatever then reads the tensor (freezing, kiln's import, a validation run) reads
// past the record's memory. checkTensorRecords refuses such a file before anything reads its tensors.
//
// The records are not tied to their tensors after loading, so the check is that the tensors can be matched
// to distinct records at least as long as they are: sorted by size, the k-th largest tensor fits the k-th
// largest record. A cut record fails it unless a record no tensor of the module uses covers for it.
#pragma once

#include <string>

#include <torch/script.h>

namespace kiln::frontend {

// Throws kiln::Error naming the file when its tensors need more bytes than its records hold.
void checkTensorRecords(const torch::jit::Module& module, const std::string& path);

}  // namespace kiln::frontend
