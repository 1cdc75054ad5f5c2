#include "ir/graph.h"

#include <algorithm>

#include "ir/error.h"

namespace kiln::ir {

ValueId Graph::newValue(std::string name, TensorType type, ValueKind kind) {
  if (by_name_.count(name)) fail("value name '%{}' is defined twice", name);
  ValueId id = static_cast<ValueId>(values_.size());
  by_name_.emplace(name, id);
  values_.push_back(Value{std::move(name), std::move(type), kind});
  return id;
}

std::string Graph::freshName(std::string_view hint) {
  if (!hint.empty() && !by_name_.count(std::string(hint))) return std::string(hint);
  std::string name;
  do {
    name = hint.empty() ? std::to_string(next_name_++) : fmt::format("{}.{}", hint, next_name_++);
  } while (by_name_.count(name));
  return name;
}

ValueId Graph::addInput(const std::string& name, TensorType type) {
  ValueId id = newValue(freshName(name), std::move(type), ValueKind::Input);
  inputs_.push_back(id);
  return id;
}

ValueId Graph::addConstant(const std::string& name, Tensor data) {
  ValueId id = newValue(freshName(name), data.type(), ValueKind::Constant);
  constants_.emplace(id, std::move(data));
  return id;
}

std::vector<ValueId> Graph::addOp(const std::string& kind, std::vector<ValueId> inputs,
                                  const Attributes& attrs, std::string location) {
  const OpDef& def = OpRegistry::global().get(kind);
  for (ValueId in : inputs)
    if (in < 0 || in >= numValues()) fail("{}: input refers to an undefined value", kind);
  Op op{kind, std::move(inputs), {}, completeAttributes(def, attrs), std::move(location)};
  std::vector<TensorType> types = inferOutputTypes(def, inputTypes(*this, op), op.attrs);
  for (auto& type : types)
    op.outputs.push_back(newValue(freshName(""), std::move(type), ValueKind::OpResult));
  ops_.push_back(std::move(op));
  return ops_.back().outputs;
}

ValueId Graph::addOp1(const std::string& kind, std::vector<ValueId> inputs, const Attributes& attrs,
                      std::string location) {
  std::vector<ValueId> outs = addOp(kind, std::move(inputs), attrs, std::move(location));
  if (outs.size() != 1) fail("{}: expected one output, the op has {}", kind, outs.size());
  return outs[0];
}

std::vector<ValueId> Graph::addOpWithOutputs(Op op,
                                             const std::vector<std::pair<std::string, TensorType>>& outputs) {
  op.outputs.clear();
  for (const auto& [name, type] : outputs) op.outputs.push_back(newValue(name, type, ValueKind::OpResult));
  ops_.push_back(std::move(op));
  return ops_.back().outputs;
}

ValueId Graph::findValue(std::string_view name) const {
  auto it = by_name_.find(std::string(name));
  return it == by_name_.end() ? kNoValue : it->second;
}

const Tensor& Graph::constant(ValueId id) const {
  auto it = constants_.find(id);
  if (it == constants_.end()) fail("value %{} is not a constant", value(id).name);
  return it->second;
}

void Graph::replaceAllUses(ValueId from, ValueId to) {
  for (Op& op : ops_) std::replace(op.inputs.begin(), op.inputs.end(), from, to);
  std::replace(outputs_.begin(), outputs_.end(), from, to);
}

UseIndex::UseIndex(const Graph& graph)
    : producer(graph.numValues(), -1), users(graph.numValues()), is_graph_output(graph.numValues(), false) {
  const auto& ops = graph.ops();
  for (int i = 0; i < static_cast<int>(ops.size()); ++i) {
    for (ValueId out : ops[i].outputs) producer[out] = i;
    for (ValueId in : ops[i].inputs)
      if (users[in].empty() || users[in].back() != i) users[in].push_back(i);
  }
  for (ValueId out : graph.outputs()) is_graph_output[out] = true;
}

std::vector<TensorType> inputTypes(const Graph& graph, const Op& op) {
  std::vector<TensorType> types;
  for (ValueId in : op.inputs) types.push_back(graph.type(in));
  return types;
}

std::vector<TensorType> outputTypes(const Graph& graph, const Op& op) {
  std::vector<TensorType> types;
  for (ValueId out : op.outputs) types.push_back(graph.type(out));
  return types;
}

OpCost opCost(const Graph& graph, const Op& op) {
  return opCost(OpRegistry::global().get(op.kind), inputTypes(graph, op), op.attrs, outputTypes(graph, op));
}

}  // namespace kiln::ir
