// Small pieces the lowering families share: the one-output Func an op usually defines, broadcasting, and
// a float constant.
#pragma once

#include "codegen/lowering.h"

namespace kiln::codegen {

// Defines the op's single output from a body over logical output variables.
TensorFunc defineOutput(const LoweringInput& in, const LogicalBody& body, int output = 0);

// Reads `tensor` at the output index `index` under NumPy broadcasting (dims of size 1 read element 0).
Halide::Expr broadcastAt(const TensorFunc& tensor, const std::vector<Halide::Var>& index);

inline std::vector<Halide::Expr> exprs(const std::vector<Halide::Var>& vars) {
  return {vars.begin(), vars.end()};
}

inline Halide::Expr f32(double value) {
  return Halide::Expr(static_cast<float>(value));
}

// The element of `tensor` at `index`, or `fill` where rows or columns (logical dims 2 and 3 of NCHW) fall
// outside the tensor. Indices are clamped so that no read ever leaves the buffer. The value is marked likely
// (as Halide's BoundaryConditions do), so Halide partitions the loops that read it into border iterations,
// which keep the select, and a steady state proven inside, which reads plainly: without it every tap of a
// depthwise conv and every element of a padded copy selected, and LLVM turned the selects into branches.
Halide::Expr paddedAt(const TensorFunc& tensor, Halide::Expr n, Halide::Expr c, Halide::Expr y,
                      Halide::Expr x, Halide::Expr fill);

LoweredOp single(TensorFunc output);

}  // namespace kiln::codegen
