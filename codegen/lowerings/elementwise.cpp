// Lowerings of the elementwise kinds: activations and math functions (one input), arithmetic with
// broadcasting (two inputs), and the kinds of other element types: comparisons and logical ops (bool tensors
// are bytes holding 0 or 1: storageType), where, cast.
#include <cmath>

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

// e^x for the logistic functions in about two thirds of Halide::exp's vector instructions (silu's exp
// bounded EfficientNet's expansion convs). x is clamped to [-87, 88], where the logistic is already 0 or 1
// to float precision, and split as 2^k e^r with k = round(x / ln 2) and |r| <= ln(2) / 2; e^r = 1 + r +
// r^2 q(r), q a cubic kiln fitted for relative error (iteratively reweighted least squares). With ln 2
// rounded to a float, r's error grows with k: e^x is within 6.6e-7 of its value for |x| < 10, 4.2e-6 at the
// ends of the range, where the logistic's sensitivity to it, s (1 - s), is below 5e-5. k + 127, the biased
// exponent of 2^k, is x / ln 2 + 127.5 truncated: always positive there, so truncating rounds.
Expr logisticExp(Expr x) {
  x = Halide::clamp(x, -87.0f, 88.0f);
  Expr biased_k = Halide::cast<int32_t>(x * 1.44269504f + 127.5f);
  Expr r = x - Halide::cast<float>(biased_k - 127) * 0.693147181f;
  Expr q = ((0.00831242558f * r + 0.0418899246f) * r + 0.166671142f) * r + 0.499992341f;
  Expr two_to_k = Halide::reinterpret(Halide::Float(32), biased_k << 23);
  return ((r * r) * q + r + 1.0f) * two_to_k;
}

// A NaN input stays NaN (the clamp in logisticExp would turn it into a number).
Expr sigmoid(Expr x) {
  return Halide::select(Halide::is_nan(x), x, 1.0f / (1.0f + logisticExp(-x)));
}

// x * sigmoid(x) as x / (1 + e^-x), where a NaN x propagates through the division.
Expr silu(Expr x) {
  return x / (1.0f + logisticExp(-x));
}

Expr gelu(Expr x, const ir::Attributes& attrs) {
  if (attrs.getString("approximate") == "tanh") {
    const float k = 0.7978845608028654f;  // sqrt(2 / pi)
    return 0.5f * x * (1.0f + Halide::tanh(k * (x + 0.044715f * x * x * x)));
  }
  return 0.5f * x * (1.0f + erfApprox(x * 0.7071067811865476f));
}

// log(1 + x) without losing small x to the rounding of 1 + x (Goldberg's trick): log(u) * x / (u - 1).
Expr log1p(Expr x) {
  Expr u = 1.0f + x;
  return Halide::select(u == 1.0f, x, Halide::log(u) * x / (u - 1.0f));
}

Expr softplus(Expr x, float beta, float threshold) {
  return Halide::select(beta * x > threshold, x, log1p(Halide::exp(beta * x)) / beta);
}

// x to a constant power: whole exponents up to 4 by multiplication (exact, and defined for negative x as
// torch.pow is), 0.5 as a square root, others through Halide::pow.
Expr power(Expr x, double exponent) {
  const double whole = std::round(exponent);
  if (whole == exponent && std::abs(whole) <= 4) {
    Expr product = 1.0f;
    for (int k = 0; k < std::abs(static_cast<int>(whole)); ++k) product = k == 0 ? x : product * x;
    return whole < 0 ? 1.0f / product : product;
  }
  if (exponent == 0.5) return Halide::sqrt(x);
  return Halide::pow(x, f32(exponent));
}

Expr elu(Expr x, const ir::Attributes& attrs) {
  const Expr scale = f32(attrs.getFloat("scale"));
  const Expr negative =
      f32(attrs.getFloat("alpha")) * (Halide::exp(f32(attrs.getFloat("input_scale")) * x) - 1.0f);
  return scale * Halide::select(x > 0, x, negative);
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

LoweredOp where(const LoweringInput& in) {
  return single(defineOutput(in, [&](const auto& i) {
    return Halide::select(asBool(broadcastAt(in.inputs[0], i)), broadcastAt(in.inputs[1], i),
                          broadcastAt(in.inputs[2], i));
  }));
}

// Halide's casts are C's (float to integer truncates toward zero, as PyTorch's do); to bool is "nonzero".
// A bool converts by a select: Halide 14 fails an internal assertion ("narrow a 1-bit type") on products of
// casts of comparisons.
LoweredOp castTo(const LoweringInput& in) {
  const ir::DType dtype = in.output_types[0].dtype;
  const Halide::Type type = storageType(dtype);
  return single(defineOutput(in, [&](const auto& i) {
    const Expr x = in.inputs[0].at(exprs(i));
    if (dtype == ir::DType::Bool) return Halide::cast(type, asBool(x));
    if (x.type() == storageType(ir::DType::Bool))
      return Halide::select(asBool(x), Halide::cast(type, 1), Halide::cast(type, 0));
    return Halide::cast(type, x);
  }));
}

Expr boolean(Expr condition) {
  return Halide::cast<uint8_t>(condition);
}

}  // namespace

LoweringTable elementwiseLowerings() {
  return {
      {"relu", unary([](Expr x, const ir::Attributes&) { return Halide::max(x, 0.0f); })},
      {"sigmoid", unary([](Expr x, const ir::Attributes&) { return sigmoid(x); })},
      {"silu", unary([](Expr x, const ir::Attributes&) { return silu(x); })},
      {"tanh", unary([](Expr x, const ir::Attributes&) { return Halide::tanh(x); })},
      {"gelu", unary(gelu)},
      {"hardsigmoid",
       unary([](Expr x, const ir::Attributes&) { return Halide::clamp(x / 6.0f + 0.5f, 0.0f, 1.0f); })},
      {"hardswish",
       unary([](Expr x, const ir::Attributes&) { return x * Halide::clamp(x + 3.0f, 0.0f, 6.0f) / 6.0f; })},
      {"hardtanh", unary([](Expr x, const ir::Attributes& attrs) {
         return Halide::clamp(x, f32(attrs.getFloat("min_val")), f32(attrs.getFloat("max_val")));
       })},
      {"abs", unary([](Expr x, const ir::Attributes&) { return Halide::abs(x); })},
      {"neg", unary([](Expr x, const ir::Attributes&) { return -x; })},
      {"exp", unary([](Expr x, const ir::Attributes&) { return Halide::exp(x); })},
      {"log", unary([](Expr x, const ir::Attributes&) { return Halide::log(x); })},
      {"log1p", unary([](Expr x, const ir::Attributes&) { return log1p(x); })},
      {"sqrt", unary([](Expr x, const ir::Attributes&) { return Halide::sqrt(x); })},
      {"rsqrt", unary([](Expr x, const ir::Attributes&) { return 1.0f / Halide::sqrt(x); })},
      {"reciprocal", unary([](Expr x, const ir::Attributes&) { return 1.0f / x; })},
      {"erf", unary([](Expr x, const ir::Attributes&) { return erfApprox(x); })},
      {"sign", unary([](Expr x, const ir::Attributes&) {
         return Halide::select(x > 0, 1.0f, Halide::select(x < 0, -1.0f, 0.0f));
       })},
      {"floor", unary([](Expr x, const ir::Attributes&) { return Halide::floor(x); })},
      {"trunc", unary([](Expr x, const ir::Attributes&) { return Halide::trunc(x); })},
      {"ceil", unary([](Expr x, const ir::Attributes&) { return Halide::ceil(x); })},
      {"round", unary([](Expr x, const ir::Attributes&) { return Halide::round(x); })},
      {"softplus", unary([](Expr x, const ir::Attributes& attrs) {
         return softplus(x, static_cast<float>(attrs.getFloat("beta")),
                         static_cast<float>(attrs.getFloat("threshold")));
       })},
      {"mish",
       unary([](Expr x, const ir::Attributes&) { return x * Halide::tanh(softplus(x, 1.0f, 20.0f)); })},
      {"elu", unary(elu)},
      {"leaky_relu", unary([](Expr x, const ir::Attributes& attrs) {
         return Halide::select(x > 0, x, f32(attrs.getFloat("negative_slope")) * x);
       })},
      {"log_sigmoid", unary([](Expr x, const ir::Attributes&) {
         return Halide::min(x, 0.0f) - log1p(Halide::exp(-Halide::abs(x)));
       })},
      {"pow",
       unary([](Expr x, const ir::Attributes& attrs) { return power(x, attrs.getFloat("exponent")); })},
      {"maximum", binary([](Expr a, Expr b) { return Halide::max(a, b); })},
      {"minimum", binary([](Expr a, Expr b) { return Halide::min(a, b); })},
      {"add", binary([](Expr a, Expr b) { return a + b; })},
      {"sub", binary([](Expr a, Expr b) { return a - b; })},
      {"mul", binary([](Expr a, Expr b) { return a * b; })},
      {"div", binary([](Expr a, Expr b) { return a / b; })},
      {"eq", binary([](Expr a, Expr b) { return boolean(a == b); })},
      {"ne", binary([](Expr a, Expr b) { return boolean(a != b); })},
      {"lt", binary([](Expr a, Expr b) { return boolean(a < b); })},
      {"le", binary([](Expr a, Expr b) { return boolean(a <= b); })},
      {"gt", binary([](Expr a, Expr b) { return boolean(a > b); })},
      {"ge", binary([](Expr a, Expr b) { return boolean(a >= b); })},
      {"logical_and", binary([](Expr a, Expr b) { return boolean(asBool(a) && asBool(b)); })},
      {"logical_or", binary([](Expr a, Expr b) { return boolean(asBool(a) || asBool(b)); })},
      {"logical_xor", binary([](Expr a, Expr b) { return boolean(asBool(a) != asBool(b)); })},
      {"logical_not", unary([](Expr x, const ir::Attributes&) { return boolean(!asBool(x)); })},
      {"where", where},
      {"cast", castTo},
  };
}

}  // namespace kiln::codegen
