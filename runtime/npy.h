// NumPy .npy files, the tensor format of `kiln run` and the examples: float32, int64 or bool, C order, any
// rank.
// numpy.load / numpy.save and torch (via numpy) read and write them; the format is documented at
// https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include "runtime/element_type.h"

namespace kiln::runtime {

struct NpyArray {
  std::vector<int64_t> shape;
  ElementType dtype = ElementType::Float32;
  std::vector<unsigned char> bytes;  // row-major elements of dtype
};

// Throws runtime::Error for a missing file, a file that is not .npy, another dtype, Fortran order or a
// truncated payload, naming which.
NpyArray readNpy(const std::filesystem::path& path);
void writeNpy(const std::filesystem::path& path, const std::vector<int64_t>& shape, ElementType dtype,
              const void* data);

}  // namespace kiln::runtime
