// The element types an artifact's tensors may have, and how the manifest, .npy files and the C API spell
// them. Models compute in float32; int64 and bool tensors are indices and masks (token ids for an
// embedding, an argmax, a comparison's result).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "kiln/kiln_runtime.h"

namespace kiln::runtime {

enum class ElementType { Float32, Int64, Bool };

int64_t elementBytes(ElementType type);
// "float32", "int64", "bool": the manifest's spelling.
const char* elementTypeName(ElementType type);
std::optional<ElementType> elementTypeNamed(const std::string& name);
// NumPy's descr: "<f4", "<i8", "|b1".
const char* npyDescr(ElementType type);
std::optional<ElementType> elementTypeOfNpy(const std::string& descr);
kiln_dtype cDtype(ElementType type);
std::optional<ElementType> elementTypeOfC(kiln_dtype dtype);

}  // namespace kiln::runtime
