// TensorFunc: a Halide Func that stands for one tensor of the IR, indexed logically.
//
// Lowerings build Funcs from Funcs. Each TensorFunc knows its logical shape and its layout, so `at` takes a
// logical (PyTorch-order) index and `define` takes a body over logical variables; the layout alone decides
// the order of the Func's arguments, which is the order schedules and buffers see.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <Halide.h>

#include "codegen/layout.h"
#include "ir/types.h"

namespace kiln::codegen {

struct TensorFunc {
  Halide::Func func;
  ir::Shape shape;
  Layout layout;

  int rank() const { return static_cast<int>(shape.size()); }
  // The element at a logical index.
  Halide::Expr at(const std::vector<Halide::Expr>& index) const;
  // The Func's pure variables in logical order.
  std::vector<Halide::Var> logicalVars() const;
  // Adds an update definition at the given logical index (reductions: func(index) += value and the like).
  Halide::FuncRef ref(const std::vector<Halide::Expr>& index) const;
};

using LogicalBody = std::function<Halide::Expr(const std::vector<Halide::Var>& index)>;

// A new Func named `name` with one pure definition; its variables are named after the layout's letters.
TensorFunc defineTensor(const std::string& name, const ir::Shape& shape, const Layout& layout,
                        const LogicalBody& body);

// The Halide type a tensor of `dtype` is held in, in buffers and in Funcs: float32 and int64 as themselves,
// bool as one byte, 0 or 1 (lowerings read it with asBool). kiln::Error for dtypes codegen does not lower.
Halide::Type storageType(ir::DType dtype);
Halide::Expr asBool(const Halide::Expr& stored);

// The default layout for an intermediate value of this shape: channels-innermost for rank 4, else row-major.
Layout activationLayout(int rank);

}  // namespace kiln::codegen
