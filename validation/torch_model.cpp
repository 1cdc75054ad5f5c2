#include "validation/torch_model.h"

#include "frontend/torchscript_importer.h"
#include "ir/error.h"

namespace kiln::validation {
namespace {

// The last non-empty line of a LibTorch error: the interpreter puts TorchScript's traceback before it and a
// c10::Error its C++ backtrace after its first line.
std::string lastLine(const std::exception& e) {
  const auto* c10_error = dynamic_cast<const c10::Error*>(&e);
  std::string text = c10_error ? c10_error->what_without_backtrace() : e.what();
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text.substr(text.rfind('\n') + 1);
}

}  // namespace

torch::jit::Module loadTorchModule(const std::filesystem::path& model) {
  torch::jit::Module module = frontend::loadTorchScript(model.string());
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
  c10::IValue result;
  try {
    result = module.forward(std::vector<c10::IValue>(inputs.begin(), inputs.end()));
  } catch (const std::exception& e) {  // the interpreter's text ends with the Python exception's line
    std::string shapes;
    for (const at::Tensor& input : inputs) shapes += (shapes.empty() ? "" : ", ") + c10::str(input.sizes());
    fail(
        "LibTorch cannot run the model on inputs of shape {}: {}; is this the model the artifact was "
        "compiled "
        "from, and for these shapes?",
        shapes, lastLine(e));
  }
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
