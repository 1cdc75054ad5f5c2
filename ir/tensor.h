// Constant tensor data owned by a graph: weights, biases, folded constants.
//
// Storage is shared and immutable once built, so copying a Graph (passes work on copies) does not copy
// weights. Passes that compute new constants build new Tensors.
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "ir/types.h"

namespace kiln::ir {

class Tensor {
 public:
  Tensor() = default;
  // A float32 tensor; data.size() must equal the shape's element count.
  Tensor(Shape shape, std::vector<float> data);
  static Tensor filled(Shape shape, float value);

  const TensorType& type() const { return type_; }
  const Shape& shape() const { return type_.shape; }
  int64_t numElements() const { return type_.numElements(); }

  // Element access for float32 tensors (the only dtype constants have today).
  std::span<const float> f32() const;

 private:
  TensorType type_;
  std::shared_ptr<const std::vector<float>> data_;
};

}  // namespace kiln::ir
