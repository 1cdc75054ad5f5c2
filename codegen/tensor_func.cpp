#include "codegen/tensor_func.h"

#include "ir/error.h"

namespace kiln::codegen {

Halide::Expr TensorFunc::at(const std::vector<Halide::Expr>& index) const {
  return ref(index);
}

std::vector<Halide::Var> TensorFunc::logicalVars() const {
  const std::vector<Halide::Var> args = func.args();
  std::vector<Halide::Var> vars;
  for (int d = 0; d < rank(); ++d) vars.push_back(args[layout.position[d]]);
  return vars;
}

Halide::FuncRef TensorFunc::ref(const std::vector<Halide::Expr>& index) const {
  return func(layout.halideIndex(index));
}

TensorFunc defineTensor(const std::string& name, const ir::Shape& shape, const Layout& layout,
                        const LogicalBody& body) {
  const int rank = static_cast<int>(shape.size());
  std::vector<Halide::Var> vars;
  for (int d = 0; d < rank; ++d) vars.emplace_back(name + "_" + std::string(1, static_cast<char>('a' + d)));
  std::vector<Halide::Expr> logical(vars.begin(), vars.end());
  std::vector<Halide::Var> args(rank);
  for (int d = 0; d < rank; ++d) args[layout.position[d]] = vars[d];
  TensorFunc tensor{Halide::Func(name), shape, layout};
  tensor.func(args) = body(vars);
  return tensor;
}

Layout activationLayout(int rank) {
  return rank == 4 ? channelsInnermost() : rowMajor(rank);
}

Halide::Type storageType(ir::DType dtype) {
  switch (dtype) {
    case ir::DType::Float32:
      return Halide::Float(32);
    case ir::DType::Int64:
      return Halide::Int(64);
    case ir::DType::Bool:
      return Halide::UInt(8);
    default:
      fail("codegen lowers float32, int64 and bool tensors, not {}", ir::dtypeName(dtype));
  }
}

Halide::Expr asBool(const Halide::Expr& stored) {
  return stored.type().is_bool() ? stored : stored != Halide::cast(stored.type(), 0);
}

}  // namespace kiln::codegen
