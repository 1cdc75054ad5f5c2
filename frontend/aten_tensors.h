// Conversions between ATen tensors and kiln's IR constants. Both directions copy, so an ir::Graph never
// points into LibTorch-owned memory and an at::Tensor made from an IR constant is independent of the graph.
#pragma once

#include <ATen/ATen.h>

#include "ir/tensor.h"

namespace kiln::frontend {

// A float tensor of any layout becomes a contiguous f32 constant; other dtypes are a kiln::Error naming them.
ir::Tensor toIrTensor(const at::Tensor& tensor, const std::string& what);
at::Tensor toAtenTensor(const ir::Tensor& tensor);
at::IntArrayRef atenShape(const ir::Shape& shape);

}  // namespace kiln::frontend
