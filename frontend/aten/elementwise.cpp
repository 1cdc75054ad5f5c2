// Elementwise aten ops: activations, math functions, arithmetic with broadcasting and scalars,
// clamps and dropout (the identity in eval mode); comparisons, logical ops, where and masked_fill, and dtype
// conversions (the run-time int64 and bool tensors).
//
// Argument positions follow the aten schemas (native_functions.yaml); a variant kiln does not handle says so
// through LoweringContext::unsupported.
#include <limits>

#include "frontend/aten_tensors.h"

#include "frontend/aten/families.h"

namespace kiln::frontend {
namespace {

using Ctx = LoweringContext;
using ir::ValueId;

template <const char* Kind>
std::vector<Binding> unary(Ctx& c) {
  return one(c.emit(Kind, {floatTensor(c, 0)}));
}

constexpr char kRelu[] = "relu", kSigmoid[] = "sigmoid", kSilu[] = "silu", kTanh[] = "tanh",
               kHardswish[] = "hardswish", kHardsigmoid[] = "hardsigmoid", kAbs[] = "abs", kNeg[] = "neg",
               kExp[] = "exp", kLog[] = "log", kLog1p[] = "log1p", kSqrt[] = "sqrt", kRsqrt[] = "rsqrt",
               kReciprocal[] = "reciprocal", kErf[] = "erf", kSign[] = "sign", kFloor[] = "floor",
               kCeil[] = "ceil", kMish[] = "mish", kLogSigmoid[] = "log_sigmoid", kMaximum[] = "maximum",
               kMinimum[] = "minimum", kTrunc[] = "trunc";

template <const char* Kind>
std::vector<Binding> binary(Ctx& c) {
  return one(c.emit(Kind, {floatTensor(c, 0), floatTensor(c, 1)}));
}

// aten::round(self) and round(self, decimals)
std::vector<Binding> round(Ctx& c) {
  if (c.numInputs() > 1 && c.toInt(1) != 0) c.unsupported("round with decimals");
  return one(c.emit("round", {floatTensor(c, 0)}));
}

// aten::softplus(self, beta, threshold)
std::vector<Binding> softplus(Ctx& c) {
  return one(
      c.emit("softplus", {floatTensor(c, 0)}, {{"beta", c.toDouble(1)}, {"threshold", c.toDouble(2)}}));
}

ValueId elu(Ctx& c, double alpha, double scale, double input_scale) {
  return c.emit("elu", {floatTensor(c, 0)},
                {{"alpha", alpha}, {"scale", scale}, {"input_scale", input_scale}});
}

// aten::elu(self, alpha, scale, input_scale)
std::vector<Binding> eluOp(Ctx& c) {
  return one(elu(c, c.toDouble(1), c.toDouble(2), c.toDouble(3)));
}

// aten::selu(self): elu with the constants of Klambauer et al. (PyTorch's).
std::vector<Binding> selu(Ctx& c) {
  return one(elu(c, 1.6732632423543772848170429916717, 1.0507009873554804934193349852946, 1.0));
}

// aten::celu(self, alpha) = max(0, x) + min(0, alpha (exp(x / alpha) - 1))
std::vector<Binding> celu(Ctx& c) {
  const double alpha = c.numInputs() > 1 ? c.toDouble(1) : 1.0;
  if (alpha == 0) c.unsupported("celu with alpha 0");
  return one(elu(c, alpha, 1.0, 1.0 / alpha));
}

// aten::leaky_relu(self, negative_slope)
std::vector<Binding> leakyRelu(Ctx& c) {
  return one(c.emit("leaky_relu", {floatTensor(c, 0)},
                    {{"negative_slope", c.numInputs() > 1 ? c.toDouble(1) : 0.01}}));
}

// aten::pow(Tensor self, Scalar exponent); a tensor exponent is not supported yet.
std::vector<Binding> pow(Ctx& c) {
  if (!c.constant(1).isDouble() && !c.constant(1).isInt()) c.unsupported("pow with a tensor exponent");
  return one(c.emit("pow", {floatTensor(c, 0)}, {{"exponent", c.toDouble(1)}}));
}

std::vector<Binding> square(Ctx& c) {
  return one(c.emit("pow", {floatTensor(c, 0)}, {{"exponent", 2.0}}));
}

std::vector<Binding> gelu(Ctx& c) {
  std::string approximate = c.numInputs() > 1 ? c.toText(1) : "none";
  return one(c.emit("gelu", {floatTensor(c, 0)}, {{"approximate", approximate}}));
}

std::vector<Binding> hardtanh(Ctx& c) {
  return one(
      c.emit("hardtanh", {floatTensor(c, 0)}, {{"min_val", c.toDouble(1)}, {"max_val", c.toDouble(2)}}));
}

std::vector<Binding> relu6(Ctx& c) {
  return one(c.emit("hardtanh", {floatTensor(c, 0)}, {{"min_val", 0.0}, {"max_val", 6.0}}));
}

// aten::clamp_min(self, min) and clamp_max(self, max), scalar bounds.
template <bool Min>
std::vector<Binding> clampOneSide(Ctx& c) {
  if (!c.constant(1).isDouble() && !c.constant(1).isInt()) c.unsupported("clamp with a tensor bound");
  constexpr double kInf = std::numeric_limits<double>::infinity();
  return one(c.emit("hardtanh", {floatTensor(c, 0)},
                    {{"min_val", Min ? c.toDouble(1) : -kInf}, {"max_val", Min ? kInf : c.toDouble(1)}}));
}

std::vector<Binding> clamp(Ctx& c) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  if (c.numInputs() < 3 || (!c.isNone(1) && !c.constant(1).isScalar()) ||
      (!c.isNone(2) && !c.constant(2).isScalar()))
    c.unsupported("clamp with tensor bounds");
  double lo = c.isNone(1) ? -kInf : c.toDouble(1), hi = c.isNone(2) ? kInf : c.toDouble(2);
  return one(c.emit("hardtanh", {floatTensor(c, 0)}, {{"min_val", lo}, {"max_val", hi}}));
}

// add/sub: self + alpha * other
template <const char* Kind>
std::vector<Binding> addSub(Ctx& c) {
  ValueId other = floatTensor(c, 1);
  if (c.numInputs() > 2 && c.toDouble(2) != 1.0) other = c.emit("mul", {other, floatTensor(c, 2)});
  return promoted(c, c.emit(Kind, {floatTensor(c, 0), other}), 2);
}
constexpr char kAdd[] = "add", kSub[] = "sub";

// aten::rsub(self, other, alpha) = other - alpha * self
std::vector<Binding> rsub(Ctx& c) {
  ValueId self = floatTensor(c, 0);
  if (c.numInputs() > 2 && c.toDouble(2) != 1.0) self = c.emit("mul", {self, floatTensor(c, 2)});
  return promoted(c, c.emit("sub", {floatTensor(c, 1), self}), 2);
}

std::vector<Binding> mul(Ctx& c) {
  return promoted(c, c.emit("mul", {floatTensor(c, 0), floatTensor(c, 1)}), 2);
}

// aten::div(self, other[, rounding_mode]): true division, or rounded "floor" / "trunc".
std::vector<Binding> div(Ctx& c) {
  ValueId quotient = c.emit("div", {floatTensor(c, 0), floatTensor(c, 1)});
  if (c.numInputs() < 3 || c.isNone(2)) return one(quotient);
  const std::string mode = c.toText(2);
  if (mode != "floor" && mode != "trunc")
    c.unsupported(fmt::format("division with rounding_mode='{}'", mode));
  return promoted(c, c.emit(mode, {quotient}), 2);
}

std::vector<Binding> floorDivide(Ctx& c) {
  return promoted(c, c.emit("floor", {c.emit("div", {floatTensor(c, 0), floatTensor(c, 1)})}), 2);
}

// aten::remainder (the sign of the divisor, Python's %) and fmod (the sign of the dividend):
// a - round(a / b) b, rounding by floor or trunc.
template <const char* Rounding>
std::vector<Binding> remainder(Ctx& c) {
  ValueId a = floatTensor(c, 0), b = floatTensor(c, 1);
  ValueId quotient = c.emit(Rounding, {c.emit("div", {a, b})});
  return promoted(c, c.emit("sub", {a, c.emit("mul", {quotient, b})}), 2);
}

// aten::prelu(self, weight): max(0, x) + w min(0, x), w one value or one per channel (dimension 1).
std::vector<Binding> prelu(Ctx& c) {
  ValueId x = floatTensor(c, 0), weight = floatTensor(c, 1);
  const int rank = c.type(0).rank();
  if (c.type(1).numElements() != 1) {
    if (rank < 2 || c.type(1).shape != ir::Shape{c.type(0).shape[1]})
      c.unsupported("prelu whose weight is neither one value nor one per channel");
    ir::Shape shape = c.type(1).shape;
    shape.insert(shape.end(), rank - 2, 1);
    weight = reshapeTo(c, weight, shape);
  }
  ValueId negative = c.emit("minimum", {x, scalarConstant(c, "zero", 0.0)});
  return one(c.emit("add", {c.emit("relu", {x}), c.emit("mul", {weight, negative})}));
}

// aten::dropout(input, p, train) and its feature/alpha variants
std::vector<Binding> dropout(Ctx& c) {
  if (c.toBool(2)) c.unsupported("training-mode dropout (export the model in eval mode)");
  return one(c.emit("dropout", {floatTensor(c, 0)}, {{"p", c.toDouble(1)}}));
}

// Comparisons compare float32 values: an int64 or bool operand (an argmax, a mask) converts exactly.
template <const char* Kind>
std::vector<Binding> compare(Ctx& c) {
  const ValueId a = castTo(c, c.tensor(0), ir::DType::Float32),
                b = castTo(c, c.tensor(1), ir::DType::Float32);
  return one(c.emit(Kind, {a, b}));
}
constexpr char kEq[] = "eq", kNe[] = "ne", kLt[] = "lt", kLe[] = "le", kGt[] = "gt", kGe[] = "ge";

constexpr char kLogicalAnd[] = "logical_and", kLogicalOr[] = "logical_or", kLogicalXor[] = "logical_xor",
               kLogicalNot[] = "logical_not";

// Logical ops read any operand as "nonzero" (PyTorch's rule).
template <const char* Kind>
std::vector<Binding> logical(Ctx& c) {
  std::vector<ValueId> operands;
  for (int i = 0; i < (Kind == kLogicalNot ? 1 : 2); ++i)
    operands.push_back(castTo(c, c.tensor(i), ir::DType::Bool));
  return one(c.emit(Kind, operands));
}

// Bitwise ops (~, &, |, ^) are the logical ones on bool tensors, which is how masks combine.
template <const char* Kind>
std::vector<Binding> bitwise(Ctx& c) {
  for (int i = 0; i < (Kind == kLogicalNot ? 1 : 2); ++i)
    if (c.type(i).dtype != ir::DType::Bool) c.unsupported("bitwise ops on tensors other than bool masks");
  return logical<Kind>(c);
}

// aten::where(condition, self, other): self and other are float tensors or numbers.
std::vector<Binding> where(Ctx& c) {
  if (c.numInputs() == 1) c.unsupported("where(condition) alone (its result's shape depends on the values)");
  const ValueId condition = castTo(c, c.tensor(0), ir::DType::Bool), a = c.tensor(1), b = c.tensor(2);
  if (c.typeOf(a).dtype != ir::DType::Float32 || c.typeOf(b).dtype != ir::DType::Float32)
    c.unsupported("where choosing between int64 or bool values");
  return one(c.emit("where", {condition, a, b}));
}

// aten::masked_fill(self, mask, value): where(mask, value, self).
std::vector<Binding> maskedFill(Ctx& c) {
  const ValueId self = c.tensor(0), mask = castTo(c, c.tensor(1), ir::DType::Bool), value = c.tensor(2);
  if (c.typeOf(self).dtype != ir::DType::Float32) c.unsupported("masked_fill of an int64 or bool tensor");
  return one(c.emit("where", {mask, value, self}));
}

ValueId converted(Ctx& c, ValueId x, at::ScalarType type) {
  const std::optional<ir::DType> dtype = irDType(type);
  if (!dtype)
    c.unsupported(fmt::format("conversion to {} (kiln computes in float32, int64 and bool)",
                              std::string(c10::toString(type))));
  return castTo(c, x, *dtype);
}

// aten::to: on a CPU model only the dtype changes values. Its overloads put the dtype second (self, dtype,
// ...), third (self, device, dtype, ...) or take another tensor's (self, other, ...); None keeps it.
std::vector<Binding> to(Ctx& c) {
  const ValueId x = c.tensor(0);
  if (c.isTensor(1)) return one(castTo(c, x, c.type(1).dtype));
  for (int i : {1, 2})
    if (i < c.numInputs() && c.constant(i).isInt())
      return one(converted(c, x, static_cast<at::ScalarType>(c.toInt(i))));
  return one(x);
}

std::vector<Binding> typeAs(Ctx& c) {
  return one(castTo(c, c.tensor(0), c.type(1).dtype));
}

}  // namespace

LoweringTable elementwiseLowerings() {
  return {
      {"aten::__and__", bitwise<kLogicalAnd>},
      {"aten::__or__", bitwise<kLogicalOr>},
      {"aten::__xor__", bitwise<kLogicalXor>},
      {"aten::abs", unary<kAbs>},
      {"aten::add", addSub<kAdd>},
      {"aten::alpha_dropout", dropout},
      {"aten::bitwise_and", bitwise<kLogicalAnd>},
      {"aten::bitwise_not", bitwise<kLogicalNot>},
      {"aten::bitwise_or", bitwise<kLogicalOr>},
      {"aten::bitwise_xor", bitwise<kLogicalXor>},
      {"aten::ceil", unary<kCeil>},
      {"aten::celu", celu},
      {"aten::clamp", clamp},
      {"aten::clamp_max", clampOneSide<false>},
      {"aten::clamp_min", clampOneSide<true>},
      {"aten::div", div},
      {"aten::floor_divide", floorDivide},
      {"aten::fmod", remainder<kTrunc>},
      {"aten::prelu", prelu},
      {"aten::remainder", remainder<kFloor>},
      {"aten::fix", unary<kTrunc>},
      {"aten::trunc", unary<kTrunc>},
      {"aten::dropout", dropout},
      {"aten::elu", eluOp},
      {"aten::eq", compare<kEq>},
      {"aten::erf", unary<kErf>},
      {"aten::exp", unary<kExp>},
      {"aten::feature_alpha_dropout", dropout},
      {"aten::feature_dropout", dropout},
      {"aten::floor", unary<kFloor>},
      {"aten::ge", compare<kGe>},
      {"aten::gelu", gelu},
      {"aten::greater", compare<kGt>},
      {"aten::greater_equal", compare<kGe>},
      {"aten::gt", compare<kGt>},
      {"aten::hardsigmoid", unary<kHardsigmoid>},
      {"aten::hardswish", unary<kHardswish>},
      {"aten::hardtanh", hardtanh},
      {"aten::le", compare<kLe>},
      {"aten::leaky_relu", leakyRelu},
      {"aten::less", compare<kLt>},
      {"aten::less_equal", compare<kLe>},
      {"aten::log", unary<kLog>},
      {"aten::log1p", unary<kLog1p>},
      {"aten::log_sigmoid", unary<kLogSigmoid>},
      {"aten::logical_and", logical<kLogicalAnd>},
      {"aten::logical_not", logical<kLogicalNot>},
      {"aten::logical_or", logical<kLogicalOr>},
      {"aten::logical_xor", logical<kLogicalXor>},
      {"aten::lt", compare<kLt>},
      {"aten::masked_fill", maskedFill},
      {"aten::maximum", binary<kMaximum>},
      {"aten::minimum", binary<kMinimum>},
      {"aten::mish", unary<kMish>},
      {"aten::mul", mul},
      {"aten::ne", compare<kNe>},
      {"aten::neg", unary<kNeg>},
      {"aten::not_equal", compare<kNe>},
      {"aten::pow", pow},
      {"aten::reciprocal", unary<kReciprocal>},
      {"aten::relu", unary<kRelu>},
      {"aten::relu6", relu6},
      {"aten::round", round},
      {"aten::rsqrt", unary<kRsqrt>},
      {"aten::rsub", rsub},
      {"aten::selu", selu},
      {"aten::sigmoid", unary<kSigmoid>},
      {"aten::sign", unary<kSign>},
      {"aten::silu", unary<kSilu>},
      {"aten::softplus", softplus},
      {"aten::sqrt", unary<kSqrt>},
      {"aten::square", square},
      {"aten::sub", addSub<kSub>},
      {"aten::tanh", unary<kTanh>},
      {"aten::to", to},
      {"aten::type_as", typeAs},
      {"aten::where", where},
  };
}

}  // namespace kiln::frontend
