#include "frontend/aten_tensors.h"

#include "ir/error.h"

namespace kiln::frontend {

ir::Tensor toIrTensor(const at::Tensor& tensor, const std::string& what) {
  if (!tensor.is_floating_point())
    fail("{} has dtype {}; kiln imports float tensors only", what,
         std::string(c10::toString(tensor.scalar_type())));
  at::Tensor dense = tensor.detach().to(at::kCPU, at::kFloat).contiguous();
  const float* data = dense.data_ptr<float>();
  return ir::Tensor(ir::Shape(dense.sizes().begin(), dense.sizes().end()),
                    std::vector<float>(data, data + dense.numel()));
}

at::Tensor toAtenTensor(const ir::Tensor& tensor) {
  auto data = tensor.f32();
  return at::from_blob(const_cast<float*>(data.data()), atenShape(tensor.shape()), at::kFloat).clone();
}

at::IntArrayRef atenShape(const ir::Shape& shape) {
  return at::IntArrayRef(shape.data(), shape.size());
}

}  // namespace kiln::frontend
