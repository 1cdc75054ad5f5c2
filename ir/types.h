// Element types and static tensor types of kiln's IR.
//
// kiln compiles for one static input shape, so every value in a graph has a fully known shape. The dtype set
// is closed and small. Float32 is what the model computes in; Int64 and Bool are the run-time indices and
// masks (argmax, embedding's token ids, comparisons feeding where); Float16, BFloat16 and Int8 exist so that
// quantized and half-precision lowering can follow without changing the IR's shape.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kiln::ir {

enum class DType { Float32, Float16, BFloat16, Int8, Int64, Bool };

int64_t dtypeSize(DType dtype);
std::string_view dtypeName(DType dtype);  // "f32", "f16", "bf16", "i8", "i64", "bool"
std::optional<DType> parseDType(std::string_view name);

using Shape = std::vector<int64_t>;

int64_t numElements(const Shape& shape);
// Row-major strides of `shape`, in elements.
std::vector<int64_t> rowMajorStrides(const Shape& shape);
std::string shapeToString(const Shape& shape, char separator = ',');  // "1,3,224,224"
// Parses "1x3x224x224" (the command line's spelling); std::nullopt if it is not a list of positive integers
// or holds more than kMaxShapeElements elements (so that sizes, byte counts and FLOPs derived from it fit in
// 64 bits).
inline constexpr int64_t kMaxShapeElements = int64_t{1} << 40;
std::optional<Shape> parseShape(std::string_view text);
// Whether every dimension is at least 1 and the shape holds at most kMaxShapeElements elements: true of every
// kiln tensor (computed without overflow, for shapes a damaged model makes up).
bool isBoundedShape(const Shape& shape);

struct TensorType {
  DType dtype = DType::Float32;
  Shape shape;

  int rank() const { return static_cast<int>(shape.size()); }
  int64_t numElements() const { return ir::numElements(shape); }
  int64_t bytes() const { return numElements() * dtypeSize(dtype); }
  bool operator==(const TensorType&) const = default;
};

std::string toString(const TensorType& type);
// A model input as the command line and the exporter spell it: a shape, then optionally ':' and the dtype
// ("1x3x224x224", "2x16:i64"); float32 when none is given. std::nullopt if it is not one.
std::optional<TensorType> parseInputSpec(std::string_view text);  // "f32[1,3,224,224]"; a scalar is "f32[]"

}  // namespace kiln::ir
