// Reference kernels of the elementwise kinds.
#include "frontend/reference/kernels.h"

namespace kiln::frontend::reference {

namespace {

// A one-input ATen function without attributes.
template <at::Tensor (*Fn)(const at::Tensor&)>
Outputs unary(const Inputs& in, const ir::Attributes&) {
  return {Fn(in[0])};
}

// A two-input ATen function without attributes.
template <at::Tensor (*Fn)(const at::Tensor&, const at::Tensor&)>
Outputs binary(const Inputs& in, const ir::Attributes&) {
  return {Fn(in[0], in[1])};
}

Outputs passThrough(const Inputs& in, const ir::Attributes&) {
  return {in[0]};
}

Outputs castTo(const Inputs& in, const ir::Attributes& a) {
  const std::string& dtype = a.getString("dtype");
  return {in[0].to(dtype == "bool" ? at::kBool : dtype == "i64" ? at::kLong : at::kFloat)};
}

}  // namespace

KernelTable elementwiseKernels() {
  return {
      {"abs", unary<at::abs>},
      {"add", [](const Inputs& in, const ir::Attributes&) -> Outputs { return {in[0] + in[1]}; }},
      {"cast", castTo},
      {"ceil", unary<at::ceil>},
      {"div", binary<at::div>},
      {"dropout", passThrough},
      {"elu",
       [](const Inputs& in, const ir::Attributes& a) -> Outputs {
         return {at::elu(in[0], a.getFloat("alpha"), a.getFloat("scale"), a.getFloat("input_scale"))};
       }},
      {"eq", binary<at::eq>},
      {"erf", unary<at::erf>},
      {"exp", unary<at::exp>},
      {"floor", unary<at::floor>},
      {"ge", binary<at::ge>},
      {"gelu",
       [](const Inputs& in, const ir::Attributes& a) -> Outputs {
         return {at::gelu(in[0], a.getString("approximate"))};
       }},
      {"gt", binary<at::gt>},
      {"hardsigmoid", unary<at::hardsigmoid>},
      {"hardswish", unary<at::hardswish>},
      {"hardtanh",
       [](const Inputs& in, const ir::Attributes& a) -> Outputs {
         return {at::clamp(in[0], a.getFloat("min_val"), a.getFloat("max_val"))};
       }},
      {"identity", passThrough},
      {"le", binary<at::le>},
      {"leaky_relu",
       [](const Inputs& in, const ir::Attributes& a) -> Outputs {
         return {at::leaky_relu(in[0], a.getFloat("negative_slope"))};
       }},
      {"log", unary<at::log>},
      {"log1p", unary<at::log1p>},
      {"log_sigmoid", unary<at::log_sigmoid>},
      {"logical_and", binary<at::logical_and>},
      {"logical_not", unary<at::logical_not>},
      {"logical_or", binary<at::logical_or>},
      {"logical_xor", binary<at::logical_xor>},
      {"lt", binary<at::lt>},
      {"maximum", binary<at::maximum>},
      {"minimum", binary<at::minimum>},
      {"mish", unary<at::mish>},
      {"mul", binary<at::mul>},
      {"ne", binary<at::ne>},
      {"neg", unary<at::neg>},
      {"pow",
       [](const Inputs& in, const ir::Attributes& a) -> Outputs {
         return {at::pow(in[0], a.getFloat("exponent"))};
       }},
      {"reciprocal", unary<at::reciprocal>},
      {"relu", unary<at::relu>},
      {"round", unary<at::round>},
      {"rsqrt", unary<at::rsqrt>},
      {"sigmoid", unary<at::sigmoid>},
      {"sign", unary<at::sign>},
      {"silu", unary<at::silu>},
      {"softplus",
       [](const Inputs& in, const ir::Attributes& a) -> Outputs {
         return {at::softplus(in[0], a.getFloat("beta"), a.getFloat("threshold"))};
       }},
      {"sqrt", unary<at::sqrt>},
      {"sub", [](const Inputs& in, const ir::Attributes&) -> Outputs { return {in[0] - in[1]}; }},
      {"tanh", unary<at::tanh>},
      {"trunc", unary<at::trunc>},
      {"where",
       [](const Inputs& in, const ir::Attributes&) -> Outputs { return {at::where(in[0], in[1], in[2])}; }},
  };
}

}  // namespace kiln::frontend::reference
