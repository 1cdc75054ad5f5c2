#include "ir/verifier.h"

#include <fmt/format.h>

#include "ir/error.h"

namespace kiln::ir {

namespace {

std::string describe(const Graph& graph, const Op& op, size_t index) {
  std::string first_output = op.outputs.empty() ? "?" : graph.value(op.outputs[0]).name;
  return fmt::format("op #{} ({} -> %{})", index, op.kind, first_output);
}

void checkOp(const Graph& graph, const Op& op, size_t index, std::vector<int>& defined,
             std::vector<std::string>& problems) {
  std::string where = describe(graph, op, index);
  for (ValueId in : op.inputs) {
    if (in < 0 || in >= graph.numValues()) {
      problems.push_back(fmt::format("{}: input id {} does not exist", where, in));
      return;
    }
    if (!defined[in])
      problems.push_back(fmt::format("{}: uses %{} before it is defined", where, graph.value(in).name));
  }
  for (ValueId out : op.outputs)
    if (defined[out]++)
      problems.push_back(fmt::format("{}: %{} is defined more than once", where, graph.value(out).name));

  const OpDef* def = OpRegistry::global().find(op.kind);
  if (!def) {
    problems.push_back(fmt::format("{}: unknown op kind '{}'", where, op.kind));
    return;
  }
  try {
    Attributes complete = completeAttributes(*def, op.attrs);
    if (!(complete == op.attrs)) problems.push_back(fmt::format("{}: attributes lack their defaults", where));
    std::vector<TensorType> expected = inferOutputTypes(*def, inputTypes(graph, op), op.attrs);
    if (expected.size() != op.outputs.size()) {
      problems.push_back(fmt::format("{}: has {} outputs, shape inference gives {}", where, op.outputs.size(),
                                     expected.size()));
      return;
    }
    for (size_t i = 0; i < expected.size(); ++i)
      if (graph.type(op.outputs[i]) != expected[i])
        problems.push_back(fmt::format("{}: output %{} is recorded as {}, shape inference gives {}", where,
                                       graph.value(op.outputs[i]).name, toString(graph.type(op.outputs[i])),
                                       toString(expected[i])));
  } catch (const Error& e) {
    problems.push_back(fmt::format("{}: {}", where, e.what()));
  }
}

}  // namespace

std::vector<std::string> verify(const Graph& graph) {
  std::vector<std::string> problems;
  std::vector<int> defined(graph.numValues(), 0);
  for (ValueId in : graph.inputs())
    if (defined[in]++) problems.push_back(fmt::format("input %{} is listed twice", graph.value(in).name));
  for (const auto& [id, tensor] : graph.constants()) {
    if (defined[id]++) problems.push_back(fmt::format("constant %{} is defined twice", graph.value(id).name));
    if (tensor.type() != graph.type(id))
      problems.push_back(fmt::format("constant %{} holds {} but its value is typed {}", graph.value(id).name,
                                     toString(tensor.type()), toString(graph.type(id))));
  }
  for (size_t i = 0; i < graph.ops().size(); ++i) checkOp(graph, graph.ops()[i], i, defined, problems);
  if (graph.outputs().empty()) problems.push_back("the graph has no outputs");
  for (ValueId out : graph.outputs())
    if (out < 0 || out >= graph.numValues() || !defined[out])
      problems.push_back(fmt::format("graph output {} is not defined", out));
  return problems;
}

void verifyOrThrow(const Graph& graph, const std::string& context) {
  std::vector<std::string> problems = verify(graph);
  if (!problems.empty())
    fail("IR verification failed {} ({} problem(s)):\n  {}", context, problems.size(),
         fmt::join(problems, "\n  "));
}

}  // namespace kiln::ir
