#include "ir/printer.h"

#include <fmt/format.h>

#include "ir/op_registry.h"

namespace kiln::ir {

namespace {

constexpr int64_t kAlwaysPrintedElements = 16;

std::string valueDecl(const Graph& graph, ValueId id) {
  return fmt::format("%{}: {}", graph.value(id).name, toString(graph.type(id)));
}

std::string constantText(const Tensor& tensor, bool elide) {
  if (elide && tensor.numElements() > kAlwaysPrintedElements) return "constant <elided>";
  return fmt::format("constant dense<{}>", fmt::join(tensor.f32(), ", "));
}

std::string opText(const Graph& graph, const Op& op, const PrintOptions& options) {
  std::vector<std::string> outs, ins, attrs;
  for (ValueId out : op.outputs) outs.push_back(valueDecl(graph, out));
  for (ValueId in : op.inputs) ins.push_back("%" + graph.value(in).name);
  for (const auto& [name, value] : op.attrs.all())
    attrs.push_back(fmt::format("{}={}", name, attrToString(value)));
  std::string text = fmt::format("{} = {}({})", fmt::join(outs, ", "), op.kind, fmt::join(ins, ", "));
  if (!attrs.empty()) text += fmt::format(" {{{}}}", fmt::join(attrs, ", "));
  if (!op.location.empty()) text += fmt::format(" loc(\"{}\")", op.location);
  if (options.annotate) {
    const OpDef& def = OpRegistry::global().get(op.kind);
    std::vector<TensorType> in_types = inputTypes(graph, op);
    MappingType mapping = def.mapping(OpSignature{in_types, op.attrs});
    text += fmt::format("  # {}, {} FLOPs", mappingTypeName(mapping), opCost(graph, op).flops);
  }
  return text;
}

}  // namespace

std::string printGraph(const Graph& graph, const PrintOptions& options) {
  std::vector<std::string> inputs;
  for (ValueId in : graph.inputs()) inputs.push_back(valueDecl(graph, in));
  std::string text = fmt::format("graph {}({}) {{\n", graph.name(), fmt::join(inputs, ", "));
  for (const auto& [id, tensor] : graph.constants())
    text += fmt::format("  {} = {}\n", valueDecl(graph, id), constantText(tensor, options.elide_constants));
  for (const Op& op : graph.ops()) text += fmt::format("  {}\n", opText(graph, op, options));
  std::vector<std::string> outputs;
  for (ValueId out : graph.outputs()) outputs.push_back("%" + graph.value(out).name);
  text += fmt::format("  return {}\n}}\n", fmt::join(outputs, ", "));
  return text;
}

}  // namespace kiln::ir
