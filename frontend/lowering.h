// The interface between the TorchScript importer and the per-operator lowerings (frontend/aten/, one file per
// op family).
//
// The importer walks a frozen TorchScript graph and tracks what each TorchScript value is known to be: an IR
// tensor, a list of IR tensors, a compile-time constant (ints, floats, lists, None, ...), or unknown (it
// depends on something kiln could not import). A lowering sees one aten node through a LoweringContext, reads
// its arguments as IR tensors or constants, and emits IR ops.
#pragma once

#include <string>
#include <vector>

#include <ATen/core/ivalue.h>
#include <torch/csrc/jit/ir/ir.h>

#include "ir/error.h"
#include "ir/graph.h"

namespace kiln::frontend {

struct Binding {
  // Tuple: a tuple whose items are of different kinds, e.g. (output, None) from nn.MultiheadAttention.
  // Dict: a dict with string keys, e.g. a segmentation model's {"out": ..., "aux": ...}.
  enum class Kind { Unknown, Tensor, TensorList, Constant, Tuple, Dict };
  Kind kind = Kind::Unknown;
  std::vector<ir::ValueId> tensors;  // one for Tensor, the elements for TensorList
  c10::IValue constant;              // for Constant
  std::vector<Binding> items;        // for Tuple and Dict
  std::vector<std::string> keys;     // for Dict, in insertion order

  static Binding tensor(ir::ValueId id) { return {Kind::Tensor, {id}, {}, {}, {}}; }
  static Binding tensorList(std::vector<ir::ValueId> ids) {
    return {Kind::TensorList, std::move(ids), {}, {}, {}};
  }
  static Binding constantValue(c10::IValue value) { return {Kind::Constant, {}, std::move(value), {}, {}}; }
  static Binding tuple(std::vector<Binding> items) { return {Kind::Tuple, {}, {}, std::move(items), {}}; }
  static Binding dict(std::vector<std::string> keys, std::vector<Binding> items) {
    return {Kind::Dict, {}, {}, std::move(items), std::move(keys)};
  }
};

// A lowering throws this for a variant of a supported aten op that kiln does not handle (e.g. transposed
// convolution); the importer reports it with the other unsupported ops.
class UnsupportedVariant : public Error {
 public:
  using Error::Error;
};

class LoweringContext {
 public:
  // `max_ops`: the most ops the graph may hold; an emit past it throws kiln::Error (ImportOptions::max_ops).
  LoweringContext(ir::Graph& graph, const torch::jit::Node& node, std::vector<const Binding*> inputs,
                  std::string location, size_t max_ops)
      : graph_(graph),
        node_(node),
        inputs_(std::move(inputs)),
        location_(std::move(location)),
        max_ops_(max_ops) {}

  int numInputs() const { return static_cast<int>(inputs_.size()); }
  // Whether anything reads output i of the node (an op's integer indices output may go unused).
  bool outputUsed(int i) const { return node_.outputs().at(i)->hasUses(); }
  bool isNone(int i) const;
  // Whether input i is an IR tensor (computed at run time or a weight), not an import-time value.
  bool isTensor(int i) const { return input(i).kind == Binding::Kind::Tensor; }
  // Input i as an IR tensor; a number becomes a rank-0 constant.
  ir::ValueId tensor(int i);
  // A list of IR tensors, or a constant list of float tensors (added as IR constants).
  std::vector<ir::ValueId> tensorList(int i);
  // Types are copies: every emit grows the graph, which may move the values a reference would point into
  // (AddressSanitizer caught group norm reading a freed shape so).
  ir::TensorType type(int i) { return graph_.type(tensor(i)); }
  // The type of a value this lowering emitted.
  ir::TensorType typeOf(ir::ValueId id) const { return graph_.type(id); }
  bool isConstantTensor(int i);
  const ir::Tensor& constantTensor(int i) { return graph_.constant(tensor(i)); }

  int64_t toInt(int i) const;
  double toDouble(int i) const;
  bool toBool(int i) const;
  std::vector<int64_t> toIntList(int i) const;  // a single int is a one-element list
  std::string toText(int i) const;
  const c10::IValue& constant(int i) const;

  ir::ValueId emit(const std::string& kind, std::vector<ir::ValueId> inputs,
                   const ir::Attributes& attrs = {});
  std::vector<ir::ValueId> emitMulti(const std::string& kind, std::vector<ir::ValueId> inputs,
                                     const ir::Attributes& attrs = {});
  ir::ValueId addConstant(const std::string& name, ir::Tensor tensor) {
    return graph_.addConstant(name, std::move(tensor));
  }

  [[noreturn]] void unsupported(const std::string& why) const;
  // The most ops the graph may hold; a lowering that makes one value per piece keeps to it as well.
  size_t maxOps() const { return max_ops_; }

 private:
  const Binding& input(int i) const;
  // A constant integer or bool tensor as an IR value (addConstantTensor).
  ir::ValueId integerConstant(int i, const at::Tensor& tensor);
  void checkGraphSize() const;

  ir::Graph& graph_;
  const torch::jit::Node& node_;
  std::vector<const Binding*> inputs_;
  std::string location_;
  size_t max_ops_;
};

// Lowers one aten node; returns the binding of each node output.
using Lowering = std::vector<Binding> (*)(LoweringContext&);

// The lowering for an aten op ("aten::conv2d"), or nullptr. In-place variants ("aten::relu_") are looked up
// by the importer under their functional name.
Lowering findLowering(const std::string& op_name);

}  // namespace kiln::frontend
