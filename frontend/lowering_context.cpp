#include <fmt/format.h>

#include "frontend/aten_tensors.h"
#include "frontend/lowering.h"

namespace kiln::frontend {

const Binding& LoweringContext::input(int i) const {
  if (i >= numInputs()) fail("{}: argument {} is missing", node_.kind().toQualString(), i);
  return *inputs_[i];
}

const c10::IValue& LoweringContext::constant(int i) const {
  const Binding& b = input(i);
  if (b.kind != Binding::Kind::Constant)
    unsupported(fmt::format("argument {} is not a compile-time constant", i));
  return b.constant;
}

bool LoweringContext::isNone(int i) const {
  const Binding& b = input(i);
  return b.kind == Binding::Kind::Constant && b.constant.isNone();
}

ir::ValueId LoweringContext::tensor(int i) {
  const Binding& b = input(i);
  if (b.kind == Binding::Kind::Tensor) return b.tensors[0];
  if (b.kind == Binding::Kind::Constant &&
      (b.constant.isDouble() || b.constant.isInt() || b.constant.isBool()))
    return graph_.addConstant("scalar",
                              ir::Tensor({}, {static_cast<float>(b.constant.toScalar().toDouble())}));
  // A one-element integer tensor (`1 + x` traced) promotes to the float tensor's dtype, as in PyTorch.
  if (b.kind == Binding::Kind::Constant && b.constant.isTensor() && b.constant.toTensor().dim() == 0)
    return graph_.addConstant("scalar", ir::Tensor({}, {b.constant.toTensor().item<float>()}));
  if (b.kind == Binding::Kind::Constant && b.constant.isTensor())
    return integerConstant(i, b.constant.toTensor());
  unsupported(fmt::format("argument {} is not a tensor", i));
}

ir::ValueId LoweringContext::integerConstant(int i, const at::Tensor& tensor) {
  try {
    return addConstantTensor(graph_, tensor, fmt::format("{}_{}", node_.kind().toUnqualString(), i),
                             location_);
  } catch (const Error& e) {
    unsupported(fmt::format("argument {}: {}", i, e.what()));
  }
}

bool LoweringContext::isConstantTensor(int i) {
  return graph_.isConstant(tensor(i));
}

std::vector<ir::ValueId> LoweringContext::tensorList(int i) {
  const Binding& b = input(i);
  // A list of weights (an RNN's flat parameters) is one constant of the frozen graph.
  if (b.kind == Binding::Kind::Constant && b.constant.isTensorList()) {
    std::vector<ir::ValueId> ids;
    for (const at::Tensor& t : b.constant.toTensorVector())
      ids.push_back(graph_.addConstant(
          fmt::format("{}_{}", node_.kind().toUnqualString(), ids.size()),
          toIrTensor(t, fmt::format("argument {} of {}", i, node_.kind().toQualString()))));
    return ids;
  }
  if (b.kind != Binding::Kind::TensorList)
    unsupported(fmt::format("argument {} is not a list of tensors", i));
  return b.tensors;
}

namespace {
// A traced graph passes sizes it computed as one-element integer tensors (prim::NumToTensor).
bool isIntegerScalarTensor(const c10::IValue& v) {
  return v.isTensor() && v.toTensor().numel() == 1 &&
         c10::isIntegralType(v.toTensor().scalar_type(), /*includeBool=*/false);
}
}  // namespace

int64_t LoweringContext::toInt(int i) const {
  const c10::IValue& v = constant(i);
  if (isIntegerScalarTensor(v)) return v.toTensor().item<int64_t>();
  if (!v.isInt()) unsupported(fmt::format("argument {} is not an int", i));
  return v.toInt();
}

double LoweringContext::toDouble(int i) const {
  const c10::IValue& v = constant(i);
  if (isIntegerScalarTensor(v)) return static_cast<double>(v.toTensor().item<int64_t>());
  if (!v.isDouble() && !v.isInt()) unsupported(fmt::format("argument {} is not a number", i));
  return v.toScalar().toDouble();
}

bool LoweringContext::toBool(int i) const {
  const c10::IValue& v = constant(i);
  if (!v.isBool()) unsupported(fmt::format("argument {} is not a bool", i));
  return v.toBool();
}

std::vector<int64_t> LoweringContext::toIntList(int i) const {
  const c10::IValue& v = constant(i);
  if (v.isInt()) return {v.toInt()};
  if (!v.isIntList()) unsupported(fmt::format("argument {} is not a list of ints", i));
  return v.toIntVector();
}

std::string LoweringContext::toText(int i) const {
  const c10::IValue& v = constant(i);
  if (!v.isString()) unsupported(fmt::format("argument {} is not a string", i));
  return v.toStringRef();
}

ir::ValueId LoweringContext::emit(const std::string& kind, std::vector<ir::ValueId> inputs,
                                  const ir::Attributes& attrs) {
  checkGraphSize();
  return graph_.addOp1(kind, std::move(inputs), attrs, location_);
}

std::vector<ir::ValueId> LoweringContext::emitMulti(const std::string& kind, std::vector<ir::ValueId> inputs,
                                                    const ir::Attributes& attrs) {
  checkGraphSize();
  return graph_.addOp(kind, std::move(inputs), attrs, location_);
}

// Loops and recurrent layers unroll over every step, so a long sequence in the input shape (a user's or a
// damaged file's) would otherwise grow the graph for minutes and its compile for hours, unannounced.
void LoweringContext::checkGraphSize() const {
  if (graph_.ops().size() < max_ops_) return;
  fail(
      "the model grows past {} IR ops here, the most kiln imports: kiln unrolls loops and recurrent layers "
      "over every step, so the sequence length in the input shape sets the graph's size; compile with a "
      "shorter sequence (--input-shape)",
      max_ops_);
}

void LoweringContext::unsupported(const std::string& why) const {
  throw UnsupportedVariant(why);
}

}  // namespace kiln::frontend
