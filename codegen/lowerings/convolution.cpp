// Lowerings of the sum-of-products kinds: conv2d (strided, padded, dilated, grouped, depthwise), linear and
// batched matmul. Each defines an accumulator Func — bias in the pure definition, the products in one update
// over an RDom — and reports it as an Accumulator stage, which the schedule register-blocks. A padded dense
// conv reads its input through a PaddedInput stage (the input with its zero border, channels innermost), so
// the schedule can copy the border once instead of testing it on every tap of the reduction. A conv whose
// weights the layouts put in the Winograd domain is lowered through its transforms (winograd.h).
#include "codegen/lowerings/lowering_helpers.h"
#include "codegen/winograd.h"

namespace kiln::codegen {
namespace {

using Halide::Expr;
using Halide::RDom;

// The conv's input with `top`/`left` rows and columns of zeros before it (and as many after as are read),
// indexed from the padded origin.
TensorFunc zeroPadded(const LoweringInput& in, const TensorFunc& x, int top, int left) {
  const ir::Shape shape{x.shape[0], x.shape[1], x.shape[2] + 2 * top, x.shape[3] + 2 * left};
  return defineTensor(in.output_names[0] + "_padded", shape, activationLayout(4), [&](const auto& i) {
    return paddedAt(x, i[0], i[1], i[2] - top, i[3] - left, f32(0));
  });
}

Expr biasOrZero(const LoweringInput& in, int bias_input, Expr channel) {
  if (in.op.inputs.size() <= static_cast<size_t>(bias_input)) return f32(0);
  return in.inputs[bias_input].at({channel});
}

LoweredOp conv2d(const LoweringInput& in) {
  const TensorFunc &x = in.inputs[0], &w = in.inputs[1];
  if (w.layout.winograd_tile) return winograd::lowerConv2d(in);
  const auto& stride = in.op.attrs.getInts("stride");
  const auto& padding = in.op.attrs.getInts("padding");
  const auto& dilation = in.op.attrs.getInts("dilation");
  const int64_t groups = in.op.attrs.getInt("groups");
  const int out_channels = static_cast<int>(w.shape[0]), group_channels = static_cast<int>(w.shape[1]);
  const int per_group = static_cast<int>(out_channels / groups);
  const bool padded = padding[0] > 0 || padding[1] > 0;

  // Input channels innermost in the reduction: with channels-innermost activations they are contiguous.
  RDom r(0, group_channels, 0, static_cast<int>(w.shape[3]), 0, static_cast<int>(w.shape[2]),
         in.output_names[0] + "_r");
  Expr ci = r.x, kx = r.y, ky = r.z;
  TensorFunc acc = defineOutput(in, [&](const auto& i) { return biasOrZero(in, 2, i[1]); });
  const auto i = acc.logicalVars();
  Expr channel = groups == 1 ? ci : (i[1] / per_group) * group_channels + ci;
  const int top = static_cast<int>(padding[0]), left = static_cast<int>(padding[1]);
  Expr y = i[2] * static_cast<int>(stride[0]) + ky * static_cast<int>(dilation[0]);
  Expr xx = i[3] * static_cast<int>(stride[1]) + kx * static_cast<int>(dilation[1]);
  const int group_width = groups == 1 ? 0 : per_group;
  // The zero border is copied once (a stage the schedule places) unless the conv is depthwise: with one
  // input channel per group, every input element is read only by the taps of its own channel.
  if (padded && group_channels > 1) {
    const TensorFunc input = zeroPadded(in, x, top, left);
    acc.ref(exprs(i)) += w.at({i[1], ci, ky, kx}) * input.at({i[0], channel, y, xx});
    return LoweredOp{{acc},
                     {Stage{input, StageKind::PaddedInput, RDom()},
                      Stage{acc, StageKind::Accumulator, r, input, group_width}}};
  }
  Expr pixel = padded ? paddedAt(x, i[0], channel, y - top, xx - left, f32(0)) : x.at({i[0], channel, y, xx});
  acc.ref(exprs(i)) += w.at({i[1], ci, ky, kx}) * pixel;
  return LoweredOp{{acc}, {Stage{acc, StageKind::Accumulator, r, x, group_width}}};
}

LoweredOp linear(const LoweringInput& in) {
  const TensorFunc &x = in.inputs[0], &w = in.inputs[1];
  const int rank = x.rank();
  RDom r(0, static_cast<int>(x.shape[rank - 1]), in.output_names[0] + "_r");
  TensorFunc acc = defineOutput(in, [&](const auto& i) { return biasOrZero(in, 2, i[rank - 1]); });
  const auto i = acc.logicalVars();
  std::vector<Expr> x_index(i.begin(), i.end() - 1);
  x_index.push_back(r.x);
  acc.ref(exprs(i)) += x.at(x_index) * w.at({i[rank - 1], r.x});
  return LoweredOp{{acc}, {Stage{acc, StageKind::Accumulator, r, x}}};
}

// torch.matmul: 1-D operands gain a dimension that the result then drops; batch dimensions broadcast.
LoweredOp matmul(const LoweringInput& in) {
  const TensorFunc &a = in.inputs[0], &b = in.inputs[1];
  const int out_rank = static_cast<int>(in.output_types[0].shape.size());
  const int depth = static_cast<int>(a.shape.back());
  RDom r(0, depth, in.output_names[0] + "_r");
  TensorFunc acc = defineOutput(in, [](const auto&) { return f32(0); });
  const auto i = acc.logicalVars();
  // Output index layout: batch..., [row if a is a matrix], [column if b is a matrix].
  const bool a_matrix = a.rank() >= 2, b_matrix = b.rank() >= 2;
  const int batch_rank = out_rank - (a_matrix ? 1 : 0) - (b_matrix ? 1 : 0);
  auto batchIndex = [&](const TensorFunc& t, int matrix_dims) {
    std::vector<Expr> index;
    const int t_batch = t.rank() - matrix_dims;
    for (int d = 0; d < t_batch; ++d)
      index.push_back(t.shape[d] == 1 ? Expr(0) : Expr(i[batch_rank - t_batch + d]));
    return index;
  };
  std::vector<Expr> a_index = batchIndex(a, a_matrix ? 2 : 1), b_index = batchIndex(b, b_matrix ? 2 : 1);
  if (a_matrix) a_index.push_back(i[batch_rank]);
  a_index.push_back(r.x);
  b_index.push_back(r.x);
  if (b_matrix) b_index.push_back(i[out_rank - 1]);
  acc.ref(exprs(i)) += a.at(a_index) * b.at(b_index);
  return LoweredOp{{acc}, {Stage{acc, StageKind::Accumulator, r, a}}};
}

}  // namespace

LoweringTable convolutionLowerings() {
  return {{"conv2d", conv2d}, {"linear", linear}, {"matmul", matmul}};
}

}  // namespace kiln::codegen
