// Convolutions and the matrix products (linear, matmul, bmm, addmm): the kinds codegen's convolution
// family lowers.
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

std::vector<Binding> convolution(Ctx& c, int groups_index, std::vector<int64_t> padding) {
  if (c.type(1).rank() != 4)
    c.unsupported(fmt::format("{}-D convolution (kiln supports 2-D)", c.type(1).rank() - 2));
  std::vector<ValueId> inputs = {c.tensor(0), c.tensor(1)};
  if (!c.isNone(2)) inputs.push_back(c.tensor(2));
  Attributes attrs = {{"stride", pair(c, 3)},
                      {"padding", padding},
                      {"dilation", pair(c, 5)},
                      {"groups", c.toInt(groups_index)}};
  return one(c.emit("conv2d", inputs, attrs));
}

// aten::conv2d(input, weight, bias, stride, padding, dilation, groups); padding may be "valid" or "same".
std::vector<Binding> conv2d(Ctx& c) {
  if (!c.constant(4).isString()) return convolution(c, 6, pair(c, 4));
  std::string mode = c.toText(4);
  if (mode == "valid") return convolution(c, 6, {0, 0});
  std::vector<int64_t> dilation = pair(c, 5), padding;
  for (int d = 0; d < 2; ++d) {
    int64_t total = dilation[d] * (c.type(1).shape[2 + d] - 1);
    if (total % 2 != 0) c.unsupported("padding='same' that needs asymmetric padding");
    padding.push_back(total / 2);
  }
  return convolution(c, 6, padding);
}

// aten::_convolution(input, weight, bias, stride, padding, dilation, transposed, output_padding, groups, ...)
std::vector<Binding> underscoreConvolution(Ctx& c) {
  if (c.toBool(6)) c.unsupported("transposed convolution");
  return convolution(c, 8, pair(c, 4));
}

std::vector<Binding> linear(Ctx& c) {
  std::vector<ValueId> inputs = {c.tensor(0), c.tensor(1)};
  if (c.numInputs() > 2 && !c.isNone(2)) inputs.push_back(c.tensor(2));
  return one(c.emit("linear", inputs));
}

std::vector<Binding> matmul(Ctx& c) {
  return one(c.emit("matmul", {c.tensor(0), c.tensor(1)}));
}

// aten::addmm(self, mat1, mat2, beta, alpha) = beta * self + alpha * mat1 @ mat2
std::vector<Binding> addmm(Ctx& c) {
  if (c.toDouble(3) != 1.0 || c.toDouble(4) != 1.0) c.unsupported("addmm with beta or alpha other than 1");
  const ir::TensorType& bias = c.type(0);
  if (c.isConstantTensor(2) && bias.rank() == 1 && c.type(2).rank() == 2 &&
      bias.shape[0] == c.type(2).shape[1]) {
    // A constant mat2 is a linear layer's transposed weight; constant folding transposes it back at compile
    // time.
    ValueId weight = c.emit("permute", {c.tensor(2)}, {{"dims", std::vector<int64_t>{1, 0}}});
    return one(c.emit("linear", {c.tensor(1), weight, c.tensor(0)}));
  }
  ValueId product = c.emit("matmul", {c.tensor(1), c.tensor(2)});
  return one(c.emit("add", {product, c.tensor(0)}));
}

}  // namespace

LoweringTable convolutionLowerings() {
  return {
      {"aten::_convolution", underscoreConvolution},
      {"aten::addmm", addmm},
      {"aten::bmm", matmul},
      {"aten::conv2d", conv2d},
      {"aten::linear", linear},
      {"aten::matmul", matmul},
      {"aten::mm", matmul},
  };
}

}  // namespace kiln::frontend
