// Conversions between ATen tensors and kiln's IR constants. Both directions copy, so an ir::Graph never
// points into LibTorch-owned memory and an at::Tensor made from an IR constant is independent of the graph.
#pragma once

#include <optional>

#include <ATen/ATen.h>

#include "ir/graph.h"
#include "ir/tensor.h"

namespace kiln::frontend {

// A float tensor of any layout becomes a contiguous f32 constant; other dtypes are a kiln::Error naming them.
ir::Tensor toIrTensor(const at::Tensor& tensor, const std::string& what);
at::Tensor toAtenTensor(const ir::Tensor& tensor);
at::IntArrayRef atenShape(const ir::Shape& shape);
// An ATen constant as an IR value: a float tensor becomes a float32 constant; an integer or bool one (a
// causal mask, indices) is stored as float32, which holds integers up to 2^24 exactly, and cast back to its
// dtype where it is read. kiln::Error naming the dtype or the size for anything else.
ir::ValueId addConstantTensor(ir::Graph& graph, const at::Tensor& tensor, const std::string& name,
                              const std::string& location);

// The ATen dtype of an IR dtype.
at::ScalarType atenScalarType(ir::DType dtype);
// The IR dtype a tensor of this ATen dtype computes in at run time: float32, int64 for every integer type,
// bool; nullopt for the others (float64, half, complex, quantized).
std::optional<ir::DType> irDType(at::ScalarType type);

}  // namespace kiln::frontend
