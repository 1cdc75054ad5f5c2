#include "ir/summary.h"

namespace kiln::ir {

MappingType mappingOf(const Graph& graph, const Op& op) {
  std::vector<TensorType> inputs = inputTypes(graph, op);
  return OpRegistry::global().get(op.kind).mapping(OpSignature{inputs, op.attrs});
}

namespace {
int64_t multiplyAdds(const Graph& graph, const Op& op) {
  if (op.kind == "conv2d") {
    const Shape& w = graph.type(op.inputs[1]).shape;
    return graph.type(op.outputs[0]).numElements() * w[1] * w[2] * w[3];
  }
  if (op.kind == "linear") return graph.type(op.outputs[0]).numElements() * graph.type(op.inputs[1]).shape[1];
  if (op.kind == "matmul")
    return graph.type(op.outputs[0]).numElements() * graph.type(op.inputs[0]).shape.back();
  return 0;
}
}  // namespace

GraphSummary summarize(const Graph& graph) {
  GraphSummary s;
  for (const auto& [id, tensor] : graph.constants()) {
    s.parameters += tensor.numElements();
    s.parameter_bytes += tensor.type().bytes();
  }
  for (const Op& op : graph.ops()) {
    OpCost cost = opCost(graph, op);
    ++s.ops;
    s.flops += cost.flops;
    s.bytes_read += cost.bytes_read;
    s.bytes_written += cost.bytes_written;
    s.macs += multiplyAdds(graph, op);
    OpKindStats& kind = s.by_kind[op.kind];
    ++kind.count;
    kind.flops += cost.flops;
    kind.mapping = mostComplex(kind.mapping, mappingOf(graph, op));
  }
  return s;
}

}  // namespace kiln::ir
