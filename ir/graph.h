// kiln's tensor graph: typed values, ops in execution order, named inputs and outputs, owned constants.
//
// The representation is deliberately flat. Values live in one table indexed by ValueId; an op names its input
// and output values by id; the op list is kept in a valid execution order (the verifier checks that every
// input is defined before use, which also makes the graph acyclic). Passes are plain functions that rewrite a
// Graph; ids of values that passes drop simply stop being referenced.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ir/attributes.h"
#include "ir/op_registry.h"
#include "ir/tensor.h"
#include "ir/types.h"

namespace kiln::ir {

using ValueId = int32_t;
inline constexpr ValueId kNoValue = -1;

enum class ValueKind { Input, Constant, OpResult };

struct Value {
  std::string name;
  TensorType type;
  ValueKind kind;
};

struct Op {
  std::string kind;
  std::vector<ValueId> inputs;
  std::vector<ValueId> outputs;
  Attributes attrs;
  std::string location;  // source location recorded by the frontend ("file.py:12"), may be empty
};

class Graph {
 public:
  explicit Graph(std::string name = "graph") : name_(std::move(name)) {}

  const std::string& name() const { return name_; }

  ValueId addInput(const std::string& name, TensorType type);
  ValueId addConstant(const std::string& name, Tensor data);
  // Appends an op: checks and completes its attributes, infers its output types and names its outputs.
  // Throws kiln::Error (naming the op kind and the problem) for a bad op; the graph is then unchanged.
  std::vector<ValueId> addOp(const std::string& kind, std::vector<ValueId> inputs,
                             const Attributes& attrs = {}, std::string location = {});
  // addOp for kinds with exactly one output.
  ValueId addOp1(const std::string& kind, std::vector<ValueId> inputs, const Attributes& attrs = {},
                 std::string location = {});
  // Appends an op whose outputs are named and typed by the caller (the text parser); the verifier checks it.
  std::vector<ValueId> addOpWithOutputs(Op op,
                                        const std::vector<std::pair<std::string, TensorType>>& outputs);
  void setOutputs(std::vector<ValueId> outputs) { outputs_ = std::move(outputs); }

  const Value& value(ValueId id) const { return values_.at(id); }
  int numValues() const { return static_cast<int>(values_.size()); }
  ValueId findValue(std::string_view name) const;  // kNoValue if absent
  const TensorType& type(ValueId id) const { return value(id).type; }

  const std::vector<Op>& ops() const { return ops_; }
  // Replaces the op list (passes); the verifier checks the result.
  void setOps(std::vector<Op> ops) { ops_ = std::move(ops); }
  const std::vector<ValueId>& inputs() const { return inputs_; }
  const std::vector<ValueId>& outputs() const { return outputs_; }

  bool isConstant(ValueId id) const { return constants_.count(id) != 0; }
  const Tensor& constant(ValueId id) const;
  const std::map<ValueId, Tensor>& constants() const { return constants_; }
  void removeConstant(ValueId id) { constants_.erase(id); }

  // Rewrites every use of `from` (op inputs and graph outputs) to `to`.
  void replaceAllUses(ValueId from, ValueId to);

 private:
  ValueId newValue(std::string name, TensorType type, ValueKind kind);
  std::string freshName(std::string_view hint);

  std::string name_;
  std::vector<Value> values_;
  std::unordered_map<std::string, ValueId> by_name_;
  std::map<ValueId, Tensor> constants_;
  std::vector<Op> ops_;
  std::vector<ValueId> inputs_;
  std::vector<ValueId> outputs_;
  int next_name_ = 0;
};

// Who defines and who uses each value, computed from a graph as it is now.
struct UseIndex {
  explicit UseIndex(const Graph& graph);
  std::vector<int> producer;            // ValueId -> index of the op that defines it, or -1
  std::vector<std::vector<int>> users;  // ValueId -> indices of ops that read it (once per op)
  std::vector<bool> is_graph_output;    // ValueId -> listed in the graph's outputs
};

OpCost opCost(const Graph& graph, const Op& op);
std::vector<TensorType> inputTypes(const Graph& graph, const Op& op);
std::vector<TensorType> outputTypes(const Graph& graph, const Op& op);

}  // namespace kiln::ir
