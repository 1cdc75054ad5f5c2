// Conversions between ATen tensors and kiln's IR constants. Both directions copy, so an ir::Graph never
// points into LibTorch-owned memory and an at::Tensor made from an IR constant is independent of the graph.
#pragma once

#include <optional>

#include <ATen/ATen.h>

#include "ir/tensor.h"

namespace kiln::frontend {

// A float tensor of any layout becomes a contiguous f32 constant; other dtypes are a kiln::Error naming them.
ir::Tensor toIrTensor(const at::Tensor& tensor, const std::string& what);
at::Tensor toAtenTensor(const ir::Tensor& tensor);
at::IntArrayRef atenShape(const ir::Shape& shape);
// The ATen dtype of an IR dtype.
at::ScalarType atenScalarType(ir::DType dtype);
// The IR dtype a tensor of this ATen dtype computes in at run time: float32, int64 for every integer type,
// bool; nullopt for the others (float64, half, complex, quantized).
std::optional<ir::DType> irDType(at::ScalarType type);

}  // namespace kiln::frontend
