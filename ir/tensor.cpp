#include "ir/tensor.h"

#include "ir/error.h"

namespace kiln::ir {

Tensor::Tensor(Shape shape, std::vector<float> data) : type_{DType::Float32, std::move(shape)} {
  if (!isBoundedShape(type_.shape))
    fail("constant of type {}: kiln's tensors hold 1 to 2^40 elements", toString(type_));
  if (static_cast<int64_t>(data.size()) != type_.numElements())
    fail("constant of type {} given {} elements", toString(type_), data.size());
  data_ = std::make_shared<const std::vector<float>>(std::move(data));
}

Tensor Tensor::filled(Shape shape, float value) {
  int64_t n = ir::numElements(shape);
  return Tensor(std::move(shape), std::vector<float>(n, value));
}

std::span<const float> Tensor::f32() const {
  if (!data_) return {};
  return {data_->data(), data_->size()};
}

}  // namespace kiln::ir
