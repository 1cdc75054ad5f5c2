#include "ir/types.h"

#include <charconv>

#include <fmt/format.h>

namespace kiln::ir {

namespace {
struct DTypeInfo {
  DType dtype;
  std::string_view name;
  int64_t size;
};
constexpr DTypeInfo kDTypes[] = {{DType::Float32, "f32", 4},   {DType::Float16, "f16", 2},
                                 {DType::BFloat16, "bf16", 2}, {DType::Int8, "i8", 1},
                                 {DType::Int64, "i64", 8},     {DType::Bool, "bool", 1}};

const DTypeInfo& info(DType dtype) {
  for (const auto& entry : kDTypes)
    if (entry.dtype == dtype) return entry;
  return kDTypes[0];
}
}  // namespace

int64_t dtypeSize(DType dtype) {
  return info(dtype).size;
}
std::string_view dtypeName(DType dtype) {
  return info(dtype).name;
}

std::optional<DType> parseDType(std::string_view name) {
  for (const auto& entry : kDTypes)
    if (entry.name == name) return entry.dtype;
  return std::nullopt;
}

std::vector<int64_t> rowMajorStrides(const Shape& shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (int d = static_cast<int>(shape.size()) - 2; d >= 0; --d) strides[d] = strides[d + 1] * shape[d + 1];
  return strides;
}

int64_t numElements(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::string shapeToString(const Shape& shape, char separator) {
  return fmt::format("{}", fmt::join(shape, std::string(1, separator)));
}

bool isBoundedShape(const Shape& shape) {
  int64_t elements = 1;
  for (int64_t d : shape) {
    if (d < 1 || d > kMaxShapeElements / elements) return false;
    elements *= d;
  }
  return true;
}

std::optional<Shape> parseShape(std::string_view text) {
  Shape shape;
  while (!text.empty()) {
    size_t end = text.find_first_of("x,");
    std::string_view part = text.substr(0, end);
    int64_t d = 0;
    auto [ptr, ec] = std::from_chars(part.data(), part.data() + part.size(), d);
    if (ec != std::errc() || ptr != part.data() + part.size()) return std::nullopt;
    shape.push_back(d);
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
    if (text.empty()) return std::nullopt;
  }
  if (shape.empty() || !isBoundedShape(shape)) return std::nullopt;
  return shape;
}

std::optional<TensorType> parseInputSpec(std::string_view text) {
  const size_t colon = text.find(':');
  const std::optional<Shape> shape = parseShape(text.substr(0, colon));
  const std::optional<DType> dtype =
      colon == std::string_view::npos ? DType::Float32 : parseDType(text.substr(colon + 1));
  if (!shape || !dtype || (*dtype != DType::Float32 && *dtype != DType::Int64 && *dtype != DType::Bool))
    return std::nullopt;
  return TensorType{*dtype, *shape};
}

std::string toString(const TensorType& type) {
  return fmt::format("{}[{}]", dtypeName(type.dtype), shapeToString(type.shape));
}

}  // namespace kiln::ir
