#include "frontend/reference_executor.h"

#include <ATen/record_function.h>

#include "frontend/aten_tensors.h"
#include "frontend/reference/kernels.h"
#include "ir/error.h"

namespace kiln::frontend {

namespace {

using reference::Inputs;
using reference::Outputs;

const reference::KernelTable& kernels() {
  static const reference::KernelTable table = [] {
    reference::KernelTable all;
    for (reference::KernelTable family :
         {reference::elementwiseKernels(), reference::convolutionKernels(), reference::normalizationKernels(),
          reference::poolingKernels(), reference::resizeKernels(), reference::dataMovementKernels()})
      all.merge(family);
    return all;
  }();
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
    if (inputs[i].scalar_type() != atenScalarType(expected.dtype) ||
        inputs[i].sizes() != atenShape(expected.shape))
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
