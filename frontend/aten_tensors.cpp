#include "frontend/aten_tensors.h"

#include <fmt/ranges.h>

#include "ir/error.h"

namespace kiln::frontend {

ir::Tensor toIrTensor(const at::Tensor& tensor, const std::string& what) {
  if (tensor.numel() == 0)
    fail("{} has shape [{}], no elements; kiln's tensors hold at least one", what,
         fmt::join(tensor.sizes(), ","));
  if (!tensor.is_floating_point())
    fail("{} has dtype {}; kiln imports float tensors only", what,
         std::string(c10::toString(tensor.scalar_type())));
  at::Tensor dense = tensor.detach().to(at::kCPU, at::kFloat).contiguous();
  const float* data = dense.data_ptr<float>();
  return ir::Tensor(ir::Shape(dense.sizes().begin(), dense.sizes().end()),
                    std::vector<float>(data, data + dense.numel()));
}

ir::ValueId addConstantTensor(ir::Graph& graph, const at::Tensor& tensor, const std::string& name,
                              const std::string& location) {
  if (tensor.is_floating_point()) return graph.addConstant(name, toIrTensor(tensor, "constant %" + name));
  const std::optional<ir::DType> dtype = irDType(tensor.scalar_type());
  if (!dtype)
    fail("constant %{} is a {} tensor; kiln's run-time tensors are float32, int64 and bool", name,
         std::string(c10::toString(tensor.scalar_type())));
  ir::Tensor values = toIrTensor(tensor.to(at::kFloat), "constant %" + name);
  if (*dtype == ir::DType::Int64 && tensor.abs().max().item<int64_t>() > (1 << 24))
    fail("constant %{} holds integers beyond 2^24, which kiln's float32 constants cannot hold", name);
  const ir::ValueId stored = graph.addConstant(name, std::move(values));
  return graph.addOp1("cast", {stored}, {{"dtype", std::string(ir::dtypeName(*dtype))}}, location);
}

at::Tensor toAtenTensor(const ir::Tensor& tensor) {
  auto data = tensor.f32();
  return at::from_blob(const_cast<float*>(data.data()), atenShape(tensor.shape()), at::kFloat).clone();
}

at::IntArrayRef atenShape(const ir::Shape& shape) {
  return at::IntArrayRef(shape.data(), shape.size());
}

at::ScalarType atenScalarType(ir::DType dtype) {
  switch (dtype) {
    case ir::DType::Float32:
      return at::kFloat;
    case ir::DType::Float16:
      return at::kHalf;
    case ir::DType::BFloat16:
      return at::kBFloat16;
    case ir::DType::Int8:
      return at::kChar;
    case ir::DType::Int64:
      return at::kLong;
    case ir::DType::Bool:
      return at::kBool;
  }
  fail("unknown dtype");
}

std::optional<ir::DType> irDType(at::ScalarType type) {
  if (type == at::kFloat) return ir::DType::Float32;
  if (type == at::kBool) return ir::DType::Bool;
  if (c10::isIntegralType(type, /*includeBool=*/false)) return ir::DType::Int64;
  return std::nullopt;
}

}  // namespace kiln::frontend
