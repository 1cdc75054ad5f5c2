// Convolutions (1-D and 2-D, forward and transposed) and the matrix products (linear, matmul, bmm, addmm,
// einsum): the kinds codegen's convolution family lowers.
//
// Argument positions follow the aten schemas (native_functions.yaml); a variant kiln does not handle says so
// through LoweringContext::unsupported.
#include <algorithm>
#include <numeric>

#include "frontend/aten/families.h"
#include "frontend/aten_tensors.h"

namespace kiln::frontend {
namespace {

using Ctx = LoweringContext;
using ir::ValueId;

// A convolution's arguments, per spatial dimension (1 or 2 of them).
struct Convolution {
  std::vector<int64_t> stride, dilation, output_padding;
  std::vector<int64_t> pad_before, pad_after;
  int64_t groups = 1;
  bool transposed = false;
};

// Argument i as one value per spatial dimension, each from `least` (0 for padding, 1 for stride and
// dilation, as PyTorch requires) to 2^40, the most elements a kiln tensor holds.
std::vector<int64_t> spatial(const Ctx& c, int i, int dims, int64_t least) {
  std::vector<int64_t> v = c.toIntList(i);
  if (v.size() == 1) v.resize(dims, v[0]);
  if (static_cast<int>(v.size()) != dims)
    c.unsupported(fmt::format("argument {} must hold 1 or {} values for a {}-D convolution", i, dims, dims));
  for (int64_t value : v)
    if (value < least || value > ir::kMaxShapeElements)
      c.unsupported(fmt::format("argument {} of {} (at least {} and at most 2^40)", i, value, least));
  return v;
}

// String padding argument i: "valid" or "same" (PyTorch puts the odd element of 'same' at the end).
void readPadding(const Ctx& c, int i, int dims, const std::vector<int64_t>& kernel, Convolution& conv) {
  const std::string mode = c.toText(i);
  if (mode != "valid" && mode != "same") c.unsupported(fmt::format("padding='{}'", mode));
  for (int d = 0; d < dims; ++d) {
    const int64_t total =
        mode == "same" ? boundedProduct(c, conv.dilation[d], kernel[d]) - conv.dilation[d] : 0;
    conv.pad_before.push_back(total / 2);
    conv.pad_after.push_back(total - total / 2);
  }
}

// The forward-convolution weight [Cout, Cin/g, kh, kw] equivalent to a transposed convolution's
// [Cin, Cout/g, kh, kw]: per group, in and out channels swapped and the kernel rotated by 180 degrees.
ValueId forwardWeight(Ctx& c, int64_t groups) {
  if (!c.isConstantTensor(1)) c.unsupported("transposed convolution with a weight computed at run time");
  at::Tensor w = toAtenTensor(c.constantTensor(1));
  const int64_t in = w.size(0), out_per_group = w.size(1);
  if (in % groups != 0) c.unsupported(fmt::format("{} groups do not divide {} input channels", groups, in));
  const std::vector<int64_t> kernel(w.sizes().begin() + 2, w.sizes().end());
  std::vector<int64_t> grouped = {groups, in / groups, out_per_group},
                       forward = {groups * out_per_group, in / groups};
  grouped.insert(grouped.end(), kernel.begin(), kernel.end());
  forward.insert(forward.end(), kernel.begin(), kernel.end());
  std::vector<int64_t> spatial_dims(kernel.size());
  std::iota(spatial_dims.begin(), spatial_dims.end(), 2);
  at::Tensor swapped = w.reshape(grouped).transpose(1, 2).reshape(forward).flip(spatial_dims);
  return c.addConstant("transposed_conv_weight", toIrTensor(swapped, "a transposed convolution's weight"));
}

// A transposed convolution's input as a forward convolution's: stride - 1 zeros inserted between elements
// ([.., H, 1, W, 1] padded to [.., H, s, W, s], merged, the trailing zeros cropped), then the padding that
// gives PyTorch's output size (H - 1) s - 2 p + d (k - 1) + output_padding + 1.
ValueId dilatedInput(Ctx& c, ValueId x, const std::vector<int64_t>& kernel, Convolution& conv) {
  const ir::Shape in = c.typeOf(x).shape;  // [N, C, H, W]
  const ir::Shape spread = {in[0], in[1], in[2], 1, in[3], 1};
  std::vector<int64_t> pads(12, 0);
  pads[7] = conv.stride[0] - 1;
  pads[11] = conv.stride[1] - 1;
  ValueId gapped = reshapeTo(c, x, spread);
  if (conv.stride[0] > 1 || conv.stride[1] > 1)
    gapped = c.emit("pad", {gapped}, {{"pads", pads}, {"mode", std::string("constant")}, {"value", 0.0}});
  gapped = reshapeTo(
      c, gapped,
      {in[0], in[1], boundedProduct(c, in[2], conv.stride[0]), boundedProduct(c, in[3], conv.stride[1])});
  for (int d = 0; d < 2; ++d) {
    const int64_t reach = boundedProduct(c, conv.dilation[d], kernel[d]) - conv.dilation[d];
    conv.pad_before[d] = reach - conv.pad_before[d];
    conv.pad_after[d] = reach - conv.pad_after[d] + conv.output_padding[d] - (conv.stride[d] - 1);
    conv.stride[d] = 1;
  }
  return gapped;
}

// Emits conv2d for 1-D or 2-D, forward or transposed convolutions. 1-D ones run as 2-D over a height of 1;
// padding that differs between the two sides of a dimension becomes an explicit pad.
std::vector<Binding> emitConvolution(Ctx& c, Convolution conv) {
  const int dims = c.type(1).rank() - 2;
  ValueId x = c.tensor(0);
  ValueId weight = conv.transposed ? forwardWeight(c, conv.groups) : c.tensor(1);
  const ir::Shape out_shape_1d = c.type(0).shape;
  auto lift = [&](std::vector<int64_t>& v, int64_t value) {
    if (dims == 1) v.insert(v.begin(), value);
  };
  if (dims == 1) {
    x = unsqueezed(c, x, 2);
    weight = unsqueezed(c, weight, 2);
    for (auto* v : {&conv.stride, &conv.dilation}) lift(*v, 1);
    for (auto* v : {&conv.pad_before, &conv.pad_after, &conv.output_padding}) lift(*v, 0);
  }
  const ir::Shape w = c.typeOf(weight).shape;
  const std::vector<int64_t> kernel = {w[2], w[3]};
  if (conv.transposed) x = dilatedInput(c, x, kernel, conv);
  if (conv.pad_before != conv.pad_after) {
    std::vector<int64_t> pads = {
        0, 0, 0, 0, conv.pad_before[0], conv.pad_after[0], conv.pad_before[1], conv.pad_after[1]};
    x = c.emit("pad", {x}, {{"pads", pads}, {"mode", std::string("constant")}, {"value", 0.0}});
    conv.pad_before = conv.pad_after = {0, 0};
  }
  std::vector<ValueId> inputs = {x, weight};
  if (!c.isNone(2)) inputs.push_back(c.tensor(2));
  ValueId y = c.emit("conv2d", inputs,
                     {{"stride", conv.stride},
                      {"padding", conv.pad_before},
                      {"dilation", conv.dilation},
                      {"groups", conv.groups}});
  if (dims == 2) return one(y);
  const ir::Shape out = c.typeOf(y).shape;
  return one(reshapeTo(c, y, {out[0], out[1], out[3]}));
}

int spatialDims(Ctx& c) {
  const int dims = c.type(1).rank() - 2;
  if (dims != 1 && dims != 2)
    c.unsupported(fmt::format("{}-D convolution (kiln supports 1-D and 2-D)", dims));
  return dims;
}

std::vector<int64_t> kernelOf(Ctx& c) {
  const ir::Shape w = c.type(1).shape;
  return std::vector<int64_t>(w.begin() + 2, w.end());
}

// The convolution read from the argument positions of one aten spelling: numeric padding at `padding`
// (both sides alike), `output_padding` < 0 where the op has none.
Convolution convolutionAt(Ctx& c, int stride, int padding, int dilation, int output_padding, int groups,
                          bool transposed) {
  const int dims = spatialDims(c);
  if (c.type(0).rank() != dims + 2)
    c.unsupported(
        fmt::format("a {}-D convolution of a rank-{} input (kiln takes batched inputs, [N, C, ...])", dims,
                    c.type(0).rank()));
  if (c.toInt(groups) < 1) c.unsupported(fmt::format("groups={}", c.toInt(groups)));
  const bool numeric_padding = !c.constant(padding).isString();
  const std::vector<int64_t> pads = numeric_padding ? spatial(c, padding, dims, 0) : std::vector<int64_t>{};
  return {.stride = spatial(c, stride, dims, 1),
          .dilation = spatial(c, dilation, dims, 1),
          .output_padding =
              output_padding < 0 ? std::vector<int64_t>(dims, 0) : spatial(c, output_padding, dims, 0),
          .pad_before = pads,
          .pad_after = pads,
          .groups = c.toInt(groups),
          .transposed = transposed};
}

// aten::conv1d / conv2d / _convolution_mode(input, weight, bias, stride, padding, dilation, groups); padding
// may be "valid" or "same".
std::vector<Binding> conv(Ctx& c) {
  Convolution conv = convolutionAt(c, 3, 4, 5, -1, 6, false);
  if (c.constant(4).isString()) readPadding(c, 4, spatialDims(c), kernelOf(c), conv);
  return emitConvolution(c, conv);
}

// aten::conv_transpose1d / conv_transpose2d(input, weight, bias, stride, padding, output_padding, groups,
// dilation)
std::vector<Binding> convTranspose(Ctx& c) {
  return emitConvolution(c, convolutionAt(c, 3, 4, 7, 5, 6, true));
}

// aten::_convolution(input, weight, bias, stride, padding, dilation, transposed, output_padding, groups, ...)
std::vector<Binding> underscoreConvolution(Ctx& c) {
  return emitConvolution(c, convolutionAt(c, 3, 4, 5, 7, 8, c.toBool(6)));
}

std::vector<Binding> linear(Ctx& c) {
  std::vector<ValueId> inputs = {c.tensor(0), c.tensor(1)};
  if (c.numInputs() > 2 && !c.isNone(2)) inputs.push_back(c.tensor(2));
  return one(c.emit("linear", inputs));
}

std::vector<Binding> matmul(Ctx& c) {
  return one(c.emit("matmul", {c.tensor(0), c.tensor(1)}));
}

// aten::addmm / baddbmm(self, mat1, mat2, beta, alpha) = beta * self + alpha * mat1 @ mat2 (baddbmm: batched,
// nn.MultiheadAttention's masked scores)
std::vector<Binding> addmm(Ctx& c) {
  const double beta = c.toDouble(3), alpha = c.toDouble(4);
  auto scaled = [&](ValueId v, double by, const char* name) {
    return by == 1.0 ? v : c.emit("mul", {v, scalarConstant(c, name, by)});
  };
  const ir::TensorType bias = c.type(0);
  if (beta != 0 && c.isConstantTensor(2) && bias.rank() == 1 && c.type(2).rank() == 2 &&
      bias.shape[0] == c.type(2).shape[1]) {
    // A constant mat2 is a linear layer's transposed weight; constant folding transposes (and scales) it
    // back at compile time.
    ValueId weight = c.emit("permute", {c.tensor(2)}, {{"dims", std::vector<int64_t>{1, 0}}});
    return one(c.emit("linear", {c.tensor(1), scaled(weight, alpha, "addmm_alpha"),
                                 scaled(c.tensor(0), beta, "addmm_beta")}));
  }
  ValueId product = scaled(c.emit("matmul", {c.tensor(1), c.tensor(2)}), alpha, "addmm_alpha");
  if (beta == 0) return one(product);  // PyTorch ignores self then, NaNs included
  return one(c.emit("add", {product, scaled(c.tensor(0), beta, "addmm_beta")}));
}

// ---- einsum ----
//
// An equation of one or two operands is rewritten into kiln's kinds. Labels only one operand has and the
// output lacks are summed first. Of two operands, the labels both have are batch labels if the output keeps
// them and contracted otherwise; the rest are free. Each operand is permuted to [batch, free, contracted]
// (the second to [batch, contracted, free]) and flattened to 3-D, one batched matmul multiplies them, and the
// result is unflattened and permuted to the output's order. "..." stands for the leading dimensions the
// labels do not name, spelled with letters the equation leaves free and lined up from the right across
// operands; diagonals (a label repeated within an operand) are not supported.

struct Operand {
  ValueId value;
  std::string labels;
};

// `labels` with its "..." spelled as the last `dims` letters of `broadcast`: operands' "..." dimensions line
// up from the right, as PyTorch broadcasts them.
std::string expandEllipsis(std::string labels, int dims, const std::string& broadcast) {
  const size_t dots = labels.find("...");
  if (dots == std::string::npos) return labels;
  return labels.replace(dots, 3, broadcast.substr(broadcast.size() - dims));
}

// `count` letters the equation does not use, to spell "..." with.
std::string unusedLetters(Ctx& c, const std::string& equation, int count) {
  std::string letters;
  for (const char* range : {"ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz"})
    for (const char* l = range; *l && static_cast<int>(letters.size()) < count; ++l)
      if (equation.find(*l) == std::string::npos) letters += *l;
  if (static_cast<int>(letters.size()) < count)
    c.unsupported("an einsum whose \"...\" outnumbers the free letters");
  return letters;
}

// The operands' label strings, one per comma-separated term of `inputs`.
std::vector<std::string> operandTerms(const std::string& inputs) {
  std::vector<std::string> terms;
  for (size_t start = 0;;) {
    const size_t comma = inputs.find(',', start);
    terms.push_back(inputs.substr(start, comma - start));
    if (comma == std::string::npos) return terms;
    start = comma + 1;
  }
}

std::vector<int64_t> positionsOf(const std::string& labels, const std::string& wanted) {
  std::vector<int64_t> dims;
  for (char l : wanted) dims.push_back(static_cast<int64_t>(labels.find(l)));
  return dims;
}

ValueId permutedTo(Ctx& c, const Operand& x, const std::string& order) {
  std::vector<int64_t> dims = positionsOf(x.labels, order);
  std::vector<int64_t> identity(dims.size());
  std::iota(identity.begin(), identity.end(), 0);
  return dims == identity ? x.value : c.emit("permute", {x.value}, {{"dims", dims}});
}

// Sums the labels of `x` that neither `other` nor `output` has.
Operand sumPrivateLabels(Ctx& c, Operand x, const std::string& other, const std::string& output) {
  std::vector<int64_t> dims;
  std::string kept;
  for (size_t d = 0; d < x.labels.size(); ++d) {
    const char l = x.labels[d];
    if (other.find(l) == std::string::npos && output.find(l) == std::string::npos)
      dims.push_back(static_cast<int64_t>(d));
    else
      kept += l;
  }
  if (dims.empty()) return x;
  return {c.emit("sum", {x.value}, {{"dims", dims}, {"keepdim", false}}), kept};
}

int64_t sizeOf(Ctx& c, const Operand& x, const std::string& labels) {
  int64_t n = 1;
  for (char l : labels) n *= c.typeOf(x.value).shape[x.labels.find(l)];
  return n;
}

ValueId contract(Ctx& c, const Operand& a, const Operand& b, const std::string& output) {
  std::string batch, contracted, free_a, free_b;
  for (char l : a.labels) {
    const bool in_b = b.labels.find(l) != std::string::npos, kept = output.find(l) != std::string::npos;
    if (in_b && c.typeOf(a.value).shape[a.labels.find(l)] != c.typeOf(b.value).shape[b.labels.find(l)])
      c.unsupported("einsum operands whose shared label sizes differ (broadcasting)");
    (in_b ? (kept ? batch : contracted) : free_a) += l;
  }
  for (char l : b.labels)
    if (a.labels.find(l) == std::string::npos) free_b += l;
  const int64_t nb = sizeOf(c, a, batch), nk = sizeOf(c, a, contracted);
  ValueId lhs = reshapeTo(c, permutedTo(c, a, batch + free_a + contracted), {nb, sizeOf(c, a, free_a), nk});
  ValueId rhs = reshapeTo(c, permutedTo(c, b, batch + contracted + free_b), {nb, nk, sizeOf(c, b, free_b)});
  ir::Shape shape;
  const std::string labels = batch + free_a + free_b;
  for (char l : labels) {
    const bool from_a = a.labels.find(l) != std::string::npos;
    const Operand& x = from_a ? a : b;
    shape.push_back(c.typeOf(x.value).shape[x.labels.find(l)]);
  }
  Operand product{reshapeTo(c, c.emit("matmul", {lhs, rhs}), shape), labels};
  return permutedTo(c, product, output);
}

struct EinsumInputs {
  std::vector<Operand> operands;
  std::string broadcast;  // the letters "..." is spelled with, as many as the most it stands for
};

// Labels each operand spells, checked against its rank: "..." takes the dimensions the named labels leave.
EinsumInputs einsumInputs(Ctx& c, const std::vector<std::string>& terms, const std::vector<ValueId>& tensors,
                          const std::string& equation) {
  int broadcast_dims = 0;
  std::vector<int> dims(terms.size(), 0);
  for (size_t k = 0; k < terms.size(); ++k) {
    const int rank = c.typeOf(tensors[k]).rank();
    const bool dots = terms[k].find("...") != std::string::npos;
    const int named = static_cast<int>(terms[k].size()) - (dots ? 3 : 0);
    if (named > rank || (!dots && named != rank))
      c.unsupported(fmt::format("einsum labels '{}' for a rank-{} operand", terms[k], rank));
    dims[k] = rank - named;
    broadcast_dims = std::max(broadcast_dims, dims[k]);
  }
  EinsumInputs inputs{{}, unusedLetters(c, equation, broadcast_dims)};
  for (size_t k = 0; k < terms.size(); ++k) {
    const std::string labels = expandEllipsis(terms[k], dims[k], inputs.broadcast);
    for (char l : labels)
      if (std::count(labels.begin(), labels.end(), l) > 1)
        c.unsupported("einsum diagonals (a repeated label)");
    inputs.operands.push_back({tensors[k], labels});
  }
  return inputs;
}

// The output's labels: those after "->", or implicitly the "..." dimensions followed by the labels that
// appear once, in alphabetical order.
std::string einsumOutput(Ctx& c, const std::string& equation, size_t arrow, const EinsumInputs& inputs) {
  const std::string& broadcast = inputs.broadcast;
  std::string all;
  for (const Operand& x : inputs.operands) all += x.labels;
  std::string output;
  if (arrow != std::string::npos) {
    output = expandEllipsis(equation.substr(arrow + 2), static_cast<int>(broadcast.size()), broadcast);
  } else {
    for (char l : all)
      if (std::count(all.begin(), all.end(), l) == 1 && broadcast.find(l) == std::string::npos) output += l;
    std::sort(output.begin(), output.end());
    output = broadcast + output;
  }
  for (char l : output)
    if (all.find(l) == std::string::npos || std::count(output.begin(), output.end(), l) > 1)
      c.unsupported(fmt::format("einsum '{}': output label '{}' is repeated or in no operand", equation, l));
  return output;
}

// aten::einsum(equation, tensors[, path])
std::vector<Binding> einsum(Ctx& c) {
  std::string equation;
  for (char ch : c.toText(0))
    if (ch != ' ') equation += ch;
  const std::vector<ValueId> tensors = c.tensorList(1);
  if (tensors.empty() || tensors.size() > 2) c.unsupported("einsum of other than one or two operands");
  const size_t arrow = equation.find("->");
  const std::vector<std::string> terms = operandTerms(equation.substr(0, arrow));
  if (terms.size() != tensors.size())
    c.unsupported(fmt::format("einsum '{}' of {} operand(s)", equation, tensors.size()));
  const EinsumInputs inputs = einsumInputs(c, terms, tensors, equation);
  const std::vector<Operand>& operands = inputs.operands;
  const std::string output = einsumOutput(c, equation, arrow, inputs);
  const std::string other = operands.size() == 2 ? operands[1].labels : "";
  Operand a = sumPrivateLabels(c, operands[0], other, output);
  if (operands.size() == 1) return one(permutedTo(c, a, output));
  Operand b = sumPrivateLabels(c, operands[1], a.labels, output);
  return one(contract(c, a, b, output));
}

}  // namespace

LoweringTable convolutionLowerings() {
  return {
      {"aten::_convolution", underscoreConvolution},
      {"aten::addmm", addmm},
      {"aten::baddbmm", addmm},
      {"aten::bmm", matmul},
      {"aten::conv1d", conv},
      {"aten::einsum", einsum},
      {"aten::conv2d", conv},
      {"aten::conv_transpose1d", convTranspose},
      {"aten::_convolution_mode", conv},
      {"aten::conv_transpose2d", convTranspose},
      {"aten::linear", linear},
      {"aten::matmul", matmul},
      {"aten::mm", matmul},
  };
}

}  // namespace kiln::frontend
