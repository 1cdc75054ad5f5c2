#include "frontend/reference_executor.h"

#include <map>

#include <ATen/record_function.h>

#include "frontend/aten_tensors.h"
#include "ir/error.h"

namespace kiln::frontend {

namespace {

using Inputs = std::vector<at::Tensor>;
using Outputs = std::vector<at::Tensor>;
using Kernel = Outputs (*)(const Inputs&, const ir::Attributes&);

at::IntArrayRef ints(const ir::Attributes& attrs, const char* name) {
  const auto& v = attrs.getInts(name);
  return at::IntArrayRef(v.data(), v.size());
}

at::Tensor optionalInput(const Inputs& in, size_t i) {
  return i < in.size() ? in[i] : at::Tensor();
}

Outputs conv2d(const Inputs& in, const ir::Attributes& a) {
  return {at::conv2d(in[0], in[1], optionalInput(in, 2), ints(a, "stride"), ints(a, "padding"),
                     ints(a, "dilation"), a.getInt("groups"))};
}

Outputs batchNorm(const Inputs& in, const ir::Attributes& a) {
  return {at::batch_norm(in[0], in[1], in[2], in[3], in[4], /*training=*/false, 0.0, a.getFloat("eps"),
                         /*cudnn_enabled=*/false)};
}

Outputs maxPool2d(const Inputs& in, const ir::Attributes& a) {
  return {at::max_pool2d(in[0], ints(a, "kernel_size"), ints(a, "stride"), ints(a, "padding"),
                         ints(a, "dilation"), a.getBool("ceil_mode"))};
}

Outputs avgPool2d(const Inputs& in, const ir::Attributes& a) {
  return {at::avg_pool2d(in[0], ints(a, "kernel_size"), ints(a, "stride"), ints(a, "padding"),
                         a.getBool("ceil_mode"), a.getBool("count_include_pad"))};
}

Outputs linear(const Inputs& in, const ir::Attributes&) {
  return {at::linear(in[0], in[1], optionalInput(in, 2))};
}

Outputs layerNorm(const Inputs& in, const ir::Attributes& a) {
  return {at::layer_norm(in[0], ints(a, "normalized_shape"), optionalInput(in, 1), optionalInput(in, 2),
                         a.getFloat("eps"))};
}

Outputs split(const Inputs& in, const ir::Attributes& a) {
  return at::split_with_sizes(in[0], ints(a, "sizes"), a.getInt("dim"));
}

// A one-input ATen function without attributes.
template <at::Tensor (*Fn)(const at::Tensor&)>
Outputs unary(const Inputs& in, const ir::Attributes&) {
  return {Fn(in[0])};
}

Outputs resize(const Inputs& in, const ir::Attributes& a) {
  auto scale = [&](int d) {
    return a.getFloats("scales")[d] > 0 ? c10::optional<double>(a.getFloats("scales")[d]) : c10::nullopt;
  };
  if (a.getString("mode") == "nearest")
    return {at::upsample_nearest2d(in[0], ints(a, "size"), scale(0), scale(1))};
  return {at::upsample_bilinear2d(in[0], ints(a, "size"), a.getBool("align_corners"), scale(0), scale(1))};
}

// A two-input ATen function without attributes.
template <at::Tensor (*Fn)(const at::Tensor&, const at::Tensor&)>
Outputs binary(const Inputs& in, const ir::Attributes&) {
  return {Fn(in[0], in[1])};
}

const std::map<std::string, Kernel>& kernels() {
  static const std::map<std::string, Kernel> table = {
      {"abs", unary<at::abs>},
      {"ceil", unary<at::ceil>},
      {"elu",
       [](const Inputs& in, const ir::Attributes& a) -> Outputs {
         return {at::elu(in[0], a.getFloat("alpha"), a.getFloat("scale"), a.getFloat("input_scale"))};
       }},
      {"erf", unary<at::erf>},
      {"exp", unary<at::exp>},
      {"floor", unary<at::floor>},
      {"leaky_relu",
       [](const Inputs& in, const ir::Attributes& a) -> Outputs {
         return {at::leaky_relu(in[0], a.getFloat("negative_slope"))};
       }},
      {"log", unary<at::log>},
      {"log1p", unary<at::log1p>},
      {"log_sigmoid", unary<at::log_sigmoid>},
      {"maximum", binary<at::maximum>},
      {"minimum", binary<at::minimum>},
      {"mish", unary<at::mish>},
      {"neg", unary<at::neg>},
      {"pow",
       [](const Inputs& in, const ir::Attributes& a) -> Outputs {
         return {at::pow(in[0], a.getFloat("exponent"))};
       }},
      {"reciprocal", unary<at::reciprocal>},
      {"resize", resize},
      {"round", unary<at::round>},
      {"rsqrt", unary<at::rsqrt>},
      {"sign", unary<at::sign>},
      {"softplus",
       [](const Inputs& in, const ir::Attributes& a) -> Outputs {
         return {at::softplus(in[0], a.getFloat("beta"), a.getFloat("threshold"))};
       }},
      {"sqrt", unary<at::sqrt>},
      {"adaptive_avg_pool2d",
       [](const Inputs& in, const ir::Attributes& a) -> Outputs {
         return {at::adaptive_avg_pool2d(in[0], ints(a, "output_size"))};
       }},
      {"add", [](const Inputs& in, const ir::Attributes&) -> Outputs { return {in[0] + in[1]}; }},
      {"avg_pool2d", avgPool2d},
      {"batch_norm", batchNorm},
      {"cat",
       [](const Inputs& in, const ir::Attributes& a) -> Outputs { return {at::cat(in, a.getInt("dim"))}; }},
      {"conv2d", conv2d},
      {"div", [](const Inputs& in, const ir::Attributes&) -> Outputs { return {in[0] / in[1]}; }},
      {"dropout", [](const Inputs& in, const ir::Attributes&) -> Outputs { return {in[0]}; }},
      {"expand",
       [](const Inputs& in, const ir::Attributes& a) -> Outputs {
         return {in[0].expand(ints(a, "shape")).contiguous()};
       }},
      {"gelu",
       [](const Inputs& in, const ir::Attributes& a) -> Outputs {
         return {at::gelu(in[0], a.getString("approximate"))};
       }},
      {"hardsigmoid", unary<at::hardsigmoid>},
      {"hardswish", unary<at::hardswish>},
      {"hardtanh",
       [](const Inputs& in, const ir::Attributes& a) -> Outputs {
         return {at::clamp(in[0], a.getFloat("min_val"), a.getFloat("max_val"))};
       }},
      {"identity", [](const Inputs& in, const ir::Attributes&) -> Outputs { return {in[0]}; }},
      {"layer_norm", layerNorm},
      {"linear", linear},
      {"matmul",
       [](const Inputs& in, const ir::Attributes&) -> Outputs { return {at::matmul(in[0], in[1])}; }},
      {"max_pool2d", maxPool2d},
      {"mean",
       [](const Inputs& in, const ir::Attributes& a) -> Outputs {
         return {at::mean(in[0], ints(a, "dims"), a.getBool("keepdim"))};
       }},
      {"mul", [](const Inputs& in, const ir::Attributes&) -> Outputs { return {in[0] * in[1]}; }},
      {"permute",
       [](const Inputs& in, const ir::Attributes& a) -> Outputs {
         return {in[0].permute(ints(a, "dims")).contiguous()};
       }},
      {"relu", unary<at::relu>},
      {"reshape",
       [](const Inputs& in, const ir::Attributes& a) -> Outputs {
         return {in[0].reshape(ints(a, "shape"))};
       }},
      {"sigmoid", unary<at::sigmoid>},
      {"silu", unary<at::silu>},
      {"slice",
       [](const Inputs& in, const ir::Attributes& a) -> Outputs {
         return {at::slice(in[0], a.getInt("dim"), a.getInt("start"), a.getInt("end"), a.getInt("step"))
                     .contiguous()};
       }},
      {"softmax",
       [](const Inputs& in, const ir::Attributes& a) -> Outputs {
         return {at::softmax(in[0], a.getInt("dim"))};
       }},
      {"split", split},
      {"sub", [](const Inputs& in, const ir::Attributes&) -> Outputs { return {in[0] - in[1]}; }},
      {"tanh", unary<at::tanh>},
  };
  return table;
}

}  // namespace

std::string opScopeName(int op_index) {
  return kOpScopePrefix + std::to_string(op_index);
}

bool hasReferenceKernel(const std::string& kind) {
  return kernels().count(kind) != 0;
}

ReferenceExecutor::ReferenceExecutor(const ir::Graph& graph) : graph_(graph) {
  for (const auto& [id, tensor] : graph.constants()) constants_.emplace(id, toAtenTensor(tensor));
}

std::unordered_map<ir::ValueId, at::Tensor> ReferenceExecutor::runAll(
    const std::vector<at::Tensor>& inputs) const {
  if (inputs.size() != graph_.inputs().size())
    fail("graph '{}' takes {} input(s), {} given", graph_.name(), graph_.inputs().size(), inputs.size());
  std::unordered_map<ir::ValueId, at::Tensor> values = constants_;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const ir::TensorType& expected = graph_.type(graph_.inputs()[i]);
    if (inputs[i].scalar_type() != at::kFloat || inputs[i].sizes() != atenShape(expected.shape))
      fail("input {} of graph '{}' must be {}, got a {} tensor of shape {}", i, graph_.name(),
           ir::toString(expected), std::string(c10::toString(inputs[i].scalar_type())),
           c10::str(inputs[i].sizes()));
    values[graph_.inputs()[i]] = inputs[i];
  }
  at::NoGradGuard no_grad;
  for (size_t index = 0; index < graph_.ops().size(); ++index) {
    const ir::Op& op = graph_.ops()[index];
    at::RecordFunction scope(at::RecordScope::USER_SCOPE);
    if (scope.isActive()) scope.before(opScopeName(static_cast<int>(index)));
    auto kernel = kernels().find(op.kind);
    if (kernel == kernels().end()) fail("the reference executor has no kernel for op kind '{}'", op.kind);
    Inputs args;
    for (ir::ValueId in : op.inputs) args.push_back(values.at(in));
    Outputs results = kernel->second(args, op.attrs);
    for (size_t k = 0; k < op.outputs.size(); ++k) values[op.outputs[k]] = results.at(k);
  }
  return values;
}

std::vector<at::Tensor> ReferenceExecutor::run(const std::vector<at::Tensor>& inputs) const {
  std::unordered_map<ir::ValueId, at::Tensor> values = runAll(inputs);
  std::vector<at::Tensor> outputs;
  for (ir::ValueId out : graph_.outputs()) outputs.push_back(values.at(out));
  return outputs;
}

}  // namespace kiln::frontend
