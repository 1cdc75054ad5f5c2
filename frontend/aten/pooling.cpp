// Pooling and reductions: max/avg pooling, adaptive average pooling and mean.
//
// Argument positions follow the aten schemas (native_functions.yaml); a variant kiln does not handle says so
// through LoweringContext::unsupported.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "frontend/aten/families.h"

namespace kiln::frontend {
namespace {

using Ctx = LoweringContext;
using ir::Attributes;
using ir::ValueId;

// aten::max_pool2d(self, kernel_size, stride, padding, dilation, ceil_mode)
std::vector<Binding> maxPool2d(Ctx& c) {
  std::vector<int64_t> kernel = pair(c, 1);
  return one(c.emit("max_pool2d", {c.tensor(0)},
                    {{"kernel_size", kernel},
                     {"stride", pair(c, 2, kernel)},
                     {"padding", pair(c, 3)},
                     {"dilation", pair(c, 4)},
                     {"ceil_mode", c.toBool(5)}}));
}

// aten::avg_pool2d(self, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)
std::vector<Binding> avgPool2d(Ctx& c) {
  if (c.numInputs() > 6 && !c.isNone(6)) c.unsupported("avg_pool2d with divisor_override");
  std::vector<int64_t> kernel = pair(c, 1);
  return one(c.emit("avg_pool2d", {c.tensor(0)},
                    {{"kernel_size", kernel},
                     {"stride", pair(c, 2, kernel)},
                     {"padding", pair(c, 3)},
                     {"ceil_mode", c.toBool(4)},
                     {"count_include_pad", c.toBool(5)}}));
}

// aten::adaptive_avg_pool2d(self, output_size); a None entry keeps that input dimension.
std::vector<Binding> adaptiveAvgPool2d(Ctx& c) {
  const ir::Shape& shape = c.type(0).shape;
  std::vector<int64_t> size;
  const c10::IValue& v = c.constant(1);
  if (v.isIntList() || v.isInt()) {
    size = pair(c, 1);
  } else if (v.isList()) {
    auto items = v.toListRef();
    if (items.size() != 2) c.unsupported("adaptive_avg_pool2d output_size must hold 2 entries");
    for (size_t d = 0; d < 2; ++d) size.push_back(items[d].isNone() ? shape.at(2 + d) : items[d].toInt());
  } else {
    c.unsupported("adaptive_avg_pool2d output_size is not a list of ints");
  }
  return one(c.emit("adaptive_avg_pool2d", {c.tensor(0)}, {{"output_size", size}}));
}

// aten::mean(self, dtype) or aten::mean(self, dim, keepdim, dtype)
std::vector<Binding> mean(Ctx& c) {
  int rank = c.type(0).rank();
  std::vector<int64_t> dims;
  bool keepdim = false;
  if (c.numInputs() >= 3) {
    if (!c.isNone(1)) dims = c.toIntList(1);
    keepdim = c.toBool(2);
  }
  if (dims.empty()) {
    dims.resize(rank);
    std::iota(dims.begin(), dims.end(), 0);
  }
  if (!c.isNone(c.numInputs() - 1)) c.unsupported("mean with a dtype argument");
  return one(c.emit("mean", {c.tensor(0)}, {{"dims", dims}, {"keepdim", keepdim}}));
}

}  // namespace

LoweringTable poolingLowerings() {
  return {
      {"aten::adaptive_avg_pool2d", adaptiveAvgPool2d},
      {"aten::avg_pool2d", avgPool2d},
      {"aten::max_pool2d", maxPool2d},
      {"aten::mean", mean},
  };
}

}  // namespace kiln::frontend
