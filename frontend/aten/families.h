// The aten lowerings, one file per op family (mirroring codegen/lowerings/), and the argument helpers they
// share. findLowering (frontend/aten_lowering.cpp) looks an op up in every family's table.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "frontend/lowering.h"

namespace kiln::frontend {

using LoweringTable = std::map<std::string, Lowering>;

LoweringTable elementwiseLowerings();
LoweringTable convolutionLowerings();
LoweringTable normalizationLowerings();
LoweringTable poolingLowerings();
LoweringTable reductionLowerings();
LoweringTable resizeLowerings();
LoweringTable dataMovementLowerings();
// Attention and transformer layers, decomposed into linear, matmul and softmax.
LoweringTable attentionLowerings();
// LSTM, GRU and plain RNN layers, unrolled over their static sequence length.
LoweringTable recurrentLowerings();

inline std::vector<Binding> one(ir::ValueId id) {
  return {Binding::tensor(id)};
}

// Argument i of a 2-D op (kernel size, stride, ...): one value for both dimensions or two; `if_empty` when
// the list is empty (a stride that defaults to the kernel size).
inline std::vector<int64_t> pair(const LoweringContext& c, int i, const std::vector<int64_t>& if_empty = {}) {
  std::vector<int64_t> v = c.toIntList(i);
  if (v.empty()) v = if_empty;
  if (v.size() == 1) v.push_back(v[0]);
  if (v.size() != 2) c.unsupported(fmt::format("argument {} must hold 1 or 2 values for a 2-D op", i));
  return v;
}

// A dimension index in [-rank, rank) as a non-negative one.
inline int normalizedDim(const LoweringContext& c, int64_t dim, int rank) {
  if (dim < -rank || dim >= rank)
    c.unsupported(fmt::format("dimension {} out of range for rank {}", dim, rank));
  return static_cast<int>(dim < 0 ? dim + rank : dim);
}

// a x b for a size and a count the model gives (both at least 1), refused past the 2^40 elements a kiln
// tensor holds, before the product could overflow.
inline int64_t boundedProduct(const LoweringContext& c, int64_t a, int64_t b) {
  if (a > ir::kMaxShapeElements / b)
    c.unsupported(fmt::format("a size of {} x {}, past the 2^40 elements of kiln's tensors", a, b));
  return a * b;
}

// ---- builders of the ops that decompositions emit on intermediate values ----

// Elements [start, end) of `dim`, every `step`-th.
inline ir::ValueId sliceOf(LoweringContext& c, ir::ValueId x, int64_t dim, int64_t start, int64_t end,
                           int64_t step = 1) {
  return c.emit("slice", {x}, {{"dim", dim}, {"start", start}, {"end", end}, {"step", step}});
}

// `x` under `shape` (same elements, row-major): itself when nothing changes.
inline ir::ValueId reshapeTo(LoweringContext& c, ir::ValueId x, const ir::Shape& shape) {
  if (c.typeOf(x).shape == shape) return x;
  return c.emit("reshape", {x}, {{"shape", shape}});
}

// `x` with a size-1 dimension inserted before `dim`.
inline ir::ValueId unsqueezed(LoweringContext& c, ir::ValueId x, int64_t dim) {
  ir::Shape shape = c.typeOf(x).shape;
  shape.insert(shape.begin() + dim, 1);
  return reshapeTo(c, x, shape);
}

inline ir::ValueId concatenated(LoweringContext& c, std::vector<ir::ValueId> parts, int64_t dim) {
  if (parts.size() == 1) return parts[0];
  return c.emit("cat", std::move(parts), {{"dim", dim}});
}

// `x` converted to `dtype`: itself when it already is.
inline ir::ValueId castTo(LoweringContext& c, ir::ValueId x, ir::DType dtype) {
  if (c.typeOf(x).dtype == dtype) return x;
  return c.emit("cast", {x}, {{"dtype", std::string(ir::dtypeName(dtype))}});
}

// Input i converted to float32: arithmetic on an int64 or bool tensor computes in float32 (exact for integers
// up to 2^24), which is PyTorch's promotion whenever the other operand is a float tensor.
inline ir::ValueId floatTensor(LoweringContext& c, int i) {
  return castTo(c, c.tensor(i), ir::DType::Float32);
}

// Whether argument i is an integer in PyTorch's type promotion: an int64 or bool tensor, an int or a bool.
inline bool isIntegral(LoweringContext& c, int i) {
  if (c.isTensor(i)) return c.type(i).dtype != ir::DType::Float32;
  const c10::IValue& v = c.constant(i);
  if (v.isTensor()) return !v.toTensor().is_floating_point();
  return v.isInt() || v.isBool();
}

// The result of arithmetic on arguments 0 .. count-1, computed in float32: converted back to int64 when they
// are all integers, as PyTorch keeps integer arithmetic integral.
inline std::vector<Binding> promoted(LoweringContext& c, ir::ValueId result, int count) {
  for (int i = 0; i < count; ++i)
    if (!isIntegral(c, i)) return one(result);
  return one(castTo(c, result, ir::DType::Int64));
}

inline ir::ValueId scalarConstant(LoweringContext& c, const std::string& name, double value) {
  return c.addConstant(name, ir::Tensor({}, {static_cast<float>(value)}));
}

}  // namespace kiln::frontend
