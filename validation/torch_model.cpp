#include "validation/torch_model.h"

#include "ir/error.h"

namespace kiln::validation {

torch::jit::Module loadTorchModule(const std::filesystem::path& model) {
  torch::jit::Module module;
  try {
    module = torch::jit::load(model.string());
  } catch (const c10::Error& e) {
    fail("cannot load {} with LibTorch: {}", model.string(), e.what_without_backtrace());
  }
  module.eval();
  return module;
}

std::vector<at::Tensor> seededInputs(const runtime::Manifest& manifest, uint64_t seed, int64_t index_range) {
  at::manual_seed(seed);
  std::vector<at::Tensor> inputs;
  for (int id : manifest.inputs) {
    const runtime::ValueInfo& value = manifest.values.at(id);
    if (value.dtype == runtime::ElementType::Int64)
      inputs.push_back(at::randint(0, index_range, value.shape, at::TensorOptions(at::kLong)));
    else if (value.dtype == runtime::ElementType::Bool)
      inputs.push_back(at::randint(0, 2, value.shape).to(at::kBool));
    else
      inputs.push_back(at::randn(value.shape));
  }
  return inputs;
}

std::vector<at::Tensor> runTorch(torch::jit::Module& module, const std::vector<at::Tensor>& inputs) {
  at::NoGradGuard no_grad;
  c10::IValue result = module.forward(std::vector<c10::IValue>(inputs.begin(), inputs.end()));
  std::vector<at::Tensor> outputs;
  if (result.isTensor()) {
    outputs.push_back(result.toTensor());
  } else if (result.isTuple()) {
    for (const c10::IValue& v : result.toTuple()->elements()) outputs.push_back(v.toTensor());
  } else if (result.isTensorList()) {
    for (const at::Tensor& t : result.toTensorVector()) outputs.push_back(t);
  } else if (result.isGenericDict()) {  // TorchScript dicts keep insertion order, as kiln's import does
    for (const auto& entry : result.toGenericDict()) outputs.push_back(entry.value().toTensor());
  } else {
    fail(
        "the model returns {}, not tensors; kiln validates models that return tensors, tuples, lists or "
        "dicts "
        "of tensors",
        result.tagKind());
  }
  return outputs;
}

}  // namespace kiln::validation
