// Lowerings of the elementwise kinds: activations (one input) and arithmetic with broadcasting (two inputs).
#include "codegen/lowerings/lowering_helpers.h"

namespace kiln::codegen {
namespace {

using Halide::Expr;

using UnaryExpr = Expr (*)(Expr x, const ir::Attributes& attrs);
using BinaryExpr = Expr (*)(Expr a, Expr b);

// erf by Abramowitz & Stegun 7.1.26 (absolute error below 1.5e-7); Halide 14 has no erf of its own.
Expr erfApprox(Expr x) {
  Expr t = 1.0f / (1.0f + 0.3275911f * Halide::abs(x));
  Expr poly =
      t * (0.254829592f + t * (-0.284496736f + t * (1.421413741f + t * (-1.453152027f + t * 1.061405429f))));
  Expr magnitude = 1.0f - poly * Halide::exp(-x * x);
  return Halide::select(x < 0, -magnitude, magnitude);
}

Expr sigmoid(Expr x) {
  return 1.0f / (1.0f + Halide::exp(-x));
}

Expr gelu(Expr x, const ir::Attributes& attrs) {
  if (attrs.getString("approximate") == "tanh") {
    const float k = 0.7978845608028654f;  // sqrt(2 / pi)
    return 0.5f * x * (1.0f + Halide::tanh(k * (x + 0.044715f * x * x * x)));
  }
  return 0.5f * x * (1.0f + erfApprox(x * 0.7071067811865476f));
}

Lowering unary(UnaryExpr fn) {
  return [fn](const LoweringInput& in) {
    const TensorFunc& x = in.inputs[0];
    return single(defineOutput(in, [&](const auto& i) { return fn(x.at(exprs(i)), in.op.attrs); }));
  };
}

Lowering binary(BinaryExpr fn) {
  return [fn](const LoweringInput& in) {
    return single(defineOutput(
        in, [&](const auto& i) { return fn(broadcastAt(in.inputs[0], i), broadcastAt(in.inputs[1], i)); }));
  };
}

}  // namespace

LoweringTable elementwiseLowerings() {
  return {
      {"relu", unary([](Expr x, const ir::Attributes&) { return Halide::max(x, 0.0f); })},
      {"sigmoid", unary([](Expr x, const ir::Attributes&) { return sigmoid(x); })},
      {"silu", unary([](Expr x, const ir::Attributes&) { return x * sigmoid(x); })},
      {"tanh", unary([](Expr x, const ir::Attributes&) { return Halide::tanh(x); })},
      {"gelu", unary(gelu)},
      {"hardsigmoid",
       unary([](Expr x, const ir::Attributes&) { return Halide::clamp(x / 6.0f + 0.5f, 0.0f, 1.0f); })},
      {"hardswish",
       unary([](Expr x, const ir::Attributes&) { return x * Halide::clamp(x + 3.0f, 0.0f, 6.0f) / 6.0f; })},
      {"hardtanh", unary([](Expr x, const ir::Attributes& attrs) {
         return Halide::clamp(x, f32(attrs.getFloat("min_val")), f32(attrs.getFloat("max_val")));
       })},
      {"add", binary([](Expr a, Expr b) { return a + b; })},
      {"sub", binary([](Expr a, Expr b) { return a - b; })},
      {"mul", binary([](Expr a, Expr b) { return a * b; })},
      {"div", binary([](Expr a, Expr b) { return a / b; })},
  };
}

}  // namespace kiln::codegen
