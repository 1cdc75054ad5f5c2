#include "frontend/torchscript_importer.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <unordered_map>

#include <torch/csrc/jit/passes/freeze_module.h>
#include <torch/csrc/jit/passes/inliner.h>
#include <torch/csrc/jit/passes/remove_mutation.h>
#include <torch/script.h>

#include "frontend/allocation_budget.h"
#include "frontend/aten_tensors.h"
#include "frontend/lowering.h"
#include "frontend/pickle_records.h"
#include "frontend/tensor_records.h"
#include "ir/error.h"
#include "ir/forked_jobs.h"
#include "ir/verifier.h"

namespace kiln::frontend {

namespace {

namespace jit = torch::jit;
using Kind = Binding::Kind;

constexpr int kMaxLoopIterations = 100000;

// LibTorch's messages carry C++ backtraces; the first line is what a user needs.
std::string firstLine(const std::exception& e) {
  const auto* c10_error = dynamic_cast<const c10::Error*>(&e);
  std::string text = c10_error ? c10_error->what_without_backtrace() : e.what();
  size_t start = text.find_first_not_of(" \n");
  if (start == std::string::npos) return "(no message)";
  return text.substr(start, text.find('\n', start) - start);
}

[[noreturn]] void failUnreadable(const std::string& path, const std::exception& load_error) {
  fail("'{}' is not a readable TorchScript file (save it with torch.jit.save): {}", path,
       firstLine(load_error));
}

// The Python source line TorchScript recorded for the node, falling back to the serialized code's line.
// LibTorch reads the recorded lines from the file's debug records only now: one that passes kiln's checks
// (pickle_records.h) and still fails LibTorch loses the line, not the import.
std::string location(const jit::Node& node) {
  jit::SourceRange range = node.sourceRange();
  try {
    range = range.findSourceRangeThatGenerated().value_or(range);
  } catch (const std::exception&) {
  }
  if (auto flc = range.file_line_col()) {
    auto [file, line, col] = *flc;
    return fmt::format("{}:{}", file, line);
  }
  return "";
}

// Identifier-safe text for IR names: TorchScript names like "self.layer1.0.conv1.weight" keep their dots.
std::string irName(std::string name) {
  if (name.rfind("self.", 0) == 0) name.erase(0, 5);
  for (char& ch : name)
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '_' && ch != '.') ch = '_';
  return name;
}

// "aten::relu_" -> true: an in-place op, lowered under its functional name. Dunder names ("aten::__and__")
// are not in-place.
bool isInPlace(const std::string& kind) {
  return kind.size() > 2 && kind.back() == '_' && kind[kind.size() - 2] != '_';
}

Lowering findFunctionalLowering(const std::string& kind) {
  return findLowering(isInPlace(kind) ? kind.substr(0, kind.size() - 1) : kind);
}

// aten kinds the importer evaluates itself (shape queries, list and identity operators), never lowered.
const std::set<std::string> kImporterKinds = {
    "aten::size",      "aten::dim",    "aten::numel",       "aten::len",  "aten::__is__",
    "aten::__isnot__", "aten::append", "aten::__getitem__", "aten::dict", "aten::_set_item"};

struct UnsupportedUse {
  int count = 0;
  std::string first_location;
  std::string detail;
};

class Importer {
 public:
  Importer(ir::Graph& graph, const ImportOptions& options)
      : graph_(graph),
        evaluation_budget_{options.evaluation_bytes, options.evaluation_bytes},
        max_ops_(options.max_ops) {}

  void importInputs(const jit::Graph& g, const std::vector<ir::TensorType>& types) {
    std::vector<const jit::Value*> inputs(g.inputs().begin() + 1,
                                          g.inputs().end());  // input 0 is the module itself
    if (inputs.size() != types.size())
      fail("the model takes {} input(s) but {} shape(s) were given; give --input-shape once per input",
           inputs.size(), types.size());
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (!inputs[i]->type()->cast<c10::TensorType>())
        fail("model input {} ('{}') is a {}; kiln compiles models whose inputs are tensors", i,
             inputs[i]->debugName(), inputs[i]->type()->str());
      std::string name = irName(inputs[i]->debugName());
      env_[inputs[i]] = Binding::tensor(graph_.addInput(name.substr(0, name.find('.')), types[i]));
    }
  }

  void walk(const jit::Block& block) {
    for (const jit::Node* node : block.nodes()) visit(*node);
  }

  void importOutputs(const jit::Graph& g) {
    std::vector<ir::ValueId> outputs;
    for (const jit::Value* out : g.outputs()) {
      const Binding& b = env_[out];
      if (b.kind == Kind::Unknown) continue;  // unsupported ops upstream; reported below
      if (b.kind == Kind::Dict) {             // its tensors, in insertion order
        for (const Binding& item : b.items) {
          if (item.kind != Kind::Tensor)
            fail("the model returns a dict holding a {}; kiln compiles dicts of tensors", out->type()->str());
          outputs.push_back(item.tensors[0]);
        }
        continue;
      }
      if (b.kind == Kind::Constant || b.kind == Kind::Tuple)
        fail(
            "the model returns a {}; kiln compiles models that return tensors, lists, tuples or dicts of "
            "tensors",
            out->type()->str());
      outputs.insert(outputs.end(), b.tensors.begin(), b.tensors.end());
    }
    reportUnsupported();
    graph_.setOutputs(outputs);
  }

 private:
  const Binding& binding(const jit::Value* v) {
    auto it = env_.find(v);
    if (it == env_.end()) fail("internal: TorchScript value %{} used before definition", v->debugName());
    return it->second;
  }

  void bindAll(const jit::Node& node, const Binding& b) {
    for (const jit::Value* out : node.outputs()) env_[out] = b;
  }

  void visit(const jit::Node& node) {
    const std::string kind = node.kind().toQualString();
    if (kind == "prim::Constant") return importConstant(node);
    if (kind == "prim::Print" || kind == "aten::warn") return;
    bool any_unknown = false;
    for (const jit::Value* in : node.inputs()) any_unknown = any_unknown || binding(in).kind == Kind::Unknown;
    if (any_unknown) return scanUnknown(node);
    if (kind == "prim::If") return visitIf(node);
    if (kind == "prim::Loop") return visitLoop(node);
    if (kind == "prim::RaiseException") return raise(node);
    if (kind == "prim::ListConstruct" || kind == "prim::TupleConstruct") return construct(node);
    if (kind == "prim::ListUnpack" || kind == "prim::TupleUnpack") return unpack(node);
    if (kind == "prim::Uninitialized") return bindAll(node, Binding::constantValue(c10::IValue()));
    // Optional[Tensor] narrowed to Tensor after an `is not None` test: the same value.
    if (kind == "prim::unchecked_cast") return bindAll(node, binding(node.input(0)));
    if (kind == "aten::append") return append(node);
    if (kind == "prim::DictConstruct") return constructDict(node);
    if (kind == "aten::dict" && node.inputs().empty()) return bindAll(node, Binding::dict({}, {}));
    if (kind == "aten::_set_item" && binding(node.input(0)).kind == Kind::Dict) return setDictItem(node);
    if (trySelectFromTensorList(node) || tryConcatenateTensorLists(node, kind) || tryShapeQuery(node, kind) ||
        tryTensorProperty(node, kind) || tryIdentityTest(node, kind))
      return;
    if (hasTensors(node)) return lowerTensorOp(node, kind);
    evaluateConstants(node, kind);
  }

  // Float tensors become IR constants (weights); integer and boolean ones (shape arithmetic in traced
  // graphs, such as `prim::NumToTensor` of a size) stay import-time values that constant ops fold.
  void importConstant(const jit::Node& node) {
    c10::IValue value = *jit::toIValue(node.output());
    env_[node.output()] = bindValue(value, irName(node.output()->debugName()));
  }

  Binding bindValue(const c10::IValue& value, const std::string& name) {
    if (!value.isTensor() || !value.toTensor().is_floating_point()) return Binding::constantValue(value);
    return Binding::tensor(graph_.addConstant(name, toIrTensor(value.toTensor(), "constant %" + name)));
  }

  // Whether the node reads IR tensors, or makes a tensor from values that are not all known at import.
  bool hasTensors(const jit::Node& node) {
    bool all_constant = true;
    for (const jit::Value* in : node.inputs()) {
      const Kind k = binding(in).kind;
      if (k == Kind::Tensor || k == Kind::TensorList) return true;
      all_constant = all_constant && k == Kind::Constant;
    }
    if (all_constant && !node.inputs().empty()) return false;
    for (const jit::Value* out : node.outputs())
      if (out->type()->cast<c10::TensorType>()) return true;
    return false;
  }

  void visitIf(const jit::Node& node) {
    const Binding& cond = binding(node.input(0));
    if (cond.kind != Kind::Constant || !cond.constant.isBool())
      fail(
          "control flow at {} depends on tensor data; kiln compiles models whose branches depend only on "
          "input "
          "shapes and constants",
          location(node));
    const jit::Block& taken = *node.blocks()[cond.constant.toBool() ? 0 : 1];
    walk(taken);
    for (size_t i = 0; i < node.outputs().size(); ++i) env_[node.output(i)] = binding(taken.outputs()[i]);
  }

  // prim::Loop(max_trip_count, initial_condition, carried...) with body(iteration, carried...) returning
  // (condition, carried...). Unrolled when the trip count and conditions are compile-time constants.
  void visitLoop(const jit::Node& node) {
    const jit::Block& body = *node.blocks()[0];
    std::vector<Binding> carried;
    for (size_t i = 2; i < node.inputs().size(); ++i) carried.push_back(binding(node.input(i)));
    const Binding& trips = binding(node.input(0));
    if (trips.kind != Kind::Constant || !trips.constant.isInt() ||
        trips.constant.toInt() > kMaxLoopIterations)
      fail("loop at {} has no compile-time trip count; kiln unrolls loops of known length only",
           location(node));
    bool go_on = constantBool(binding(node.input(1)), node);
    for (int64_t i = 0; go_on && i < trips.constant.toInt(); ++i) {
      env_[body.inputs()[0]] = Binding::constantValue(i);
      for (size_t k = 0; k < carried.size(); ++k) env_[body.inputs()[k + 1]] = carried[k];
      walk(body);
      go_on = constantBool(binding(body.outputs()[0]), node);
      for (size_t k = 0; k < carried.size(); ++k) carried[k] = binding(body.outputs()[k + 1]);
    }
    for (size_t k = 0; k < carried.size(); ++k) env_[node.output(k)] = carried[k];
  }

  bool constantBool(const Binding& b, const jit::Node& node) {
    if (b.kind != Kind::Constant || !b.constant.isBool())
      fail("loop at {} continues on a condition that depends on tensor data", location(node));
    return b.constant.toBool();
  }

  [[noreturn]] void raise(const jit::Node& node) {
    std::string message;
    const Binding& b = binding(node.input(0));
    if (b.kind == Kind::Constant && b.constant.isString()) message = b.constant.toStringRef();
    fail("the model raises an exception for these input shapes at {}: {}", location(node),
         message.empty() ? "(no message)" : message);
  }

  // Lists and tuples are built by the interpreter itself (they have no operator to run), so kiln builds them.
  // A constant integer or bool tensor in a list with IR tensors (torch.cat([torch.zeros(n, 1, dtype=bool),
  // mask])) joins them as an IR value.
  void construct(const jit::Node& node) {
    std::vector<ir::ValueId> tensors;
    std::vector<c10::IValue> constants;
    bool has_tensors = false;
    for (const jit::Value* in : node.inputs()) has_tensors = has_tensors || binding(in).kind == Kind::Tensor;
    for (const jit::Value* in : node.inputs()) {
      const Binding& b = binding(in);
      if (b.kind == Kind::Tensor) tensors.push_back(b.tensors[0]);
      if (b.kind == Kind::Constant) constants.push_back(b.constant);
      if (b.kind == Kind::Constant && has_tensors && b.constant.isTensor())
        tensors.push_back(
            addConstantTensor(graph_, b.constant.toTensor(), irName(in->debugName()), location(node)));
    }
    if (tensors.size() == node.inputs().size() && !tensors.empty()) {
      env_[node.output()] = Binding::tensorList(tensors);
    } else if (constants.size() != node.inputs().size() && node.kind() == c10::prim::TupleConstruct) {
      std::vector<Binding> items;
      for (const jit::Value* in : node.inputs()) items.push_back(binding(in));
      env_[node.output()] = Binding::tuple(std::move(items));
    } else if (constants.size() != node.inputs().size()) {
      recordUnsupported(node, "a list mixing tensors and other values");
    } else if (node.kind() == c10::prim::TupleConstruct) {
      env_[node.output()] = Binding::constantValue(c10::ivalue::Tuple::create(std::move(constants)));
    } else {
      c10::impl::GenericList list(node.output()->type()->containedType(0));
      for (auto& value : constants) list.push_back(std::move(value));
      env_[node.output()] = Binding::constantValue(c10::IValue(std::move(list)));
    }
  }

  // Dicts with constant string keys, as models return them ({"out": ..., "aux": ...}).
  std::string dictKey(const jit::Node& node, const jit::Value* key) {
    const Binding& b = binding(key);
    if (b.kind != Kind::Constant || !b.constant.isString())
      fail("at {}: kiln supports dicts whose keys are constant strings", location(node));
    return b.constant.toStringRef();
  }

  void constructDict(const jit::Node& node) {
    std::vector<std::string> keys;
    std::vector<Binding> items;
    for (size_t i = 0; i + 1 < node.inputs().size(); i += 2) {
      keys.push_back(dictKey(node, node.input(i)));
      items.push_back(binding(node.input(i + 1)));
    }
    env_[node.output()] = Binding::dict(std::move(keys), std::move(items));
  }

  // dict[key] = value: the dict value changes for every later reader.
  void setDictItem(const jit::Node& node) {
    Binding dict = binding(node.input(0));
    const std::string key = dictKey(node, node.input(1));
    auto at = std::find(dict.keys.begin(), dict.keys.end(), key);
    if (at == dict.keys.end()) {
      dict.keys.push_back(key);
      dict.items.push_back(binding(node.input(2)));
    } else {
      dict.items[at - dict.keys.begin()] = binding(node.input(2));
    }
    env_[node.input(0)] = dict;
  }

  void unpack(const jit::Node& node) {
    const Binding& packed = binding(node.input(0));
    std::vector<Binding> items;
    if (packed.kind == Kind::TensorList) {
      for (ir::ValueId id : packed.tensors) items.push_back(Binding::tensor(id));
    } else if (packed.kind == Kind::Tuple) {
      items = packed.items;
    } else if (packed.constant.isTuple()) {
      for (const auto& value : packed.constant.toTupleRef().elements())
        items.push_back(Binding::constantValue(value));
    } else if (packed.constant.isList()) {
      for (const auto& value : packed.constant.toListRef()) items.push_back(Binding::constantValue(value));
    }
    if (items.size() != node.outputs().size())
      fail("at {}: unpacking {} values from a sequence of {}", location(node), node.outputs().size(),
           items.size());
    for (size_t i = 0; i < node.outputs().size(); ++i) env_[node.output(i)] = items[i];
  }

  // list[i] and tuple[i] on lists of tensors and on tuples mixing tensors and other values; dict[key].
  bool trySelectFromTensorList(const jit::Node& node) {
    std::string kind = node.kind().toQualString();
    if (kind != "aten::__getitem__" && kind != "prim::TupleIndex") return false;
    const Binding& packed = binding(node.input(0));
    if (packed.kind == Kind::Dict) {
      const std::string key = dictKey(node, node.input(1));
      auto at = std::find(packed.keys.begin(), packed.keys.end(), key);
      if (at == packed.keys.end()) fail("at {}: the dict has no key '{}'", location(node), key);
      env_[node.output()] = packed.items[at - packed.keys.begin()];
      return true;
    }
    if (packed.kind != Kind::TensorList && packed.kind != Kind::Tuple) return false;
    const Binding& index = binding(node.input(1));
    if (index.kind != Kind::Constant || !index.constant.isInt()) return false;
    const int64_t size =
        static_cast<int64_t>(packed.kind == Kind::Tuple ? packed.items.size() : packed.tensors.size());
    int64_t i = index.constant.toInt();
    if (i < 0) i += size;
    if (i < 0 || i >= size) fail("at {}: list index out of range", location(node));
    env_[node.output()] = packed.kind == Kind::Tuple ? packed.items[i] : Binding::tensor(packed.tensors[i]);
    return true;
  }

  // `(a,) + (b, c)` on tuples or lists of tensors.
  bool tryConcatenateTensorLists(const jit::Node& node, const std::string& kind) {
    if (kind != "aten::add" || node.inputs().size() != 2) return false;
    const Binding &a = binding(node.input(0)), &b = binding(node.input(1));
    if (a.kind != Kind::TensorList || b.kind != Kind::TensorList) return false;
    std::vector<ir::ValueId> joined = a.tensors;
    joined.insert(joined.end(), b.tensors.begin(), b.tensors.end());
    env_[node.output()] = Binding::tensorList(std::move(joined));
    return true;
  }

  // Queries answered by the static shape: size, dim, numel, len.
  bool tryShapeQuery(const jit::Node& node, const std::string& kind) {
    if (node.inputs().empty() || binding(node.input(0)).kind != Kind::Tensor) return false;
    const ir::Shape& shape = graph_.type(binding(node.input(0)).tensors[0]).shape;
    int64_t rank = static_cast<int64_t>(shape.size());
    c10::IValue result;
    if (kind == "aten::size" && node.inputs().size() == 1) {
      result = c10::IValue(std::vector<int64_t>(shape.begin(), shape.end()));
    } else if (kind == "aten::size" && node.inputs().size() == 2) {
      int64_t d = binding(node.input(1)).constant.toInt();
      if (d < -rank || d >= rank) fail("at {}: size({}) of a rank-{} tensor", location(node), d, rank);
      result = shape[d < 0 ? d + rank : d];
    } else if (kind == "aten::dim") {
      result = rank;
    } else if (kind == "aten::numel") {
      result = ir::numElements(shape);
    } else if (kind == "aten::len") {
      result = rank == 0 ? int64_t{0} : shape[0];
    } else {
      return false;
    }
    env_[node.output()] = Binding::constantValue(result);
    return true;
  }

  void lowerTensorOp(const jit::Node& node, const std::string& kind) {
    Lowering lowering = findFunctionalLowering(kind);
    if (!lowering) return recordUnsupported(node, "");
    std::vector<const Binding*> inputs;
    for (const jit::Value* in : node.inputs()) inputs.push_back(&binding(in));
    LoweringContext context(graph_, node, std::move(inputs), location(node), max_ops_);
    std::vector<Binding> results;
    try {
      results = lowering(context);
    } catch (const UnsupportedVariant& e) {
      return recordUnsupported(node, e.what());
    } catch (const Error& e) {
      fail("{} at {}: {}", kind, location(node), e.what());
    } catch (const c10::Error& e) {  // a lowering's import-time ATen call (e.g. repacking a weight)
      fail("{} at {}: kiln could not lower it: {}", kind, location(node), firstLine(e));
    }
    // Lowerings are found by kind, and an overload may have more outputs than the one a lowering knows.
    if (results.size() < node.outputs().size() || (isInPlace(kind) && results.empty()))
      return recordUnsupported(node, fmt::format("the overload with {} outputs", node.outputs().size()));
    for (size_t i = 0; i < node.outputs().size(); ++i) env_[node.output(i)] = results[i];
    // An in-place op also changes its first argument: later readers of it see the result.
    if (isInPlace(kind)) env_[node.input(0)] = results[0];
  }

  // Ops on compile-time constants only (int arithmetic, comparisons, list building, strings, and the integer
  // tensors of a traced graph's shape arithmetic): run them with LibTorch, as its interpreter would. A float
  // tensor they make (torch.zeros of a known shape) becomes an IR constant.
  void evaluateConstants(const jit::Node& node, const std::string& kind) {
    jit::Stack stack;
    for (const jit::Value* in : node.inputs()) stack.push_back(binding(in).constant);
    // The interpreter passes a vararg operator (aten::format) its argument count on top of the stack.
    if (node.maybeSchema() && node.schema().is_vararg())
      stack.emplace_back(static_cast<int64_t>(node.inputs().size()));
    try {
      jit::Operation operation = node.getOperation();
      const AllocationBudget budget(evaluation_budget_);
      operation(stack);
    } catch (const AllocationBudgetExceeded& e) {
      fail("{} at {}: {}", kind, location(node), e.what());
    } catch (const std::exception& e) {
      return recordUnsupported(node, evaluationFailure(e));
    }
    if (stack.size() != node.outputs().size())
      return recordUnsupported(node, fmt::format("{} produced {} values", kind, stack.size()));
    for (size_t i = 0; i < node.outputs().size(); ++i)
      env_[node.output(i)] = bindValue(stack[i], irName(node.output(i)->debugName()));
  }

  // LibTorch's message, unless it is one of its internal assertions, which would send the user to report a
  // PyTorch bug about kiln's evaluation.
  static std::string evaluationFailure(const std::exception& e) {
    std::string message = firstLine(e);
    if (message.find("INTERNAL ASSERT") == std::string::npos) return message;
    return "kiln could not evaluate it on the values it knows at import";
  }

  // Tensor properties of a CPU model: device, dtype and is_floating_point (the IR value's), layout, is_cuda,
  // requires_grad (frozen weights and inputs need none).
  bool tryTensorProperty(const jit::Node& node, const std::string& kind) {
    if (node.inputs().size() != 1 || binding(node.input(0)).kind != Kind::Tensor) return false;
    c10::IValue value;
    if (kind == "prim::device")
      value = c10::Device(c10::kCPU);
    else if (kind == "prim::dtype")
      value = static_cast<int64_t>(atenScalarType(graph_.type(binding(node.input(0)).tensors[0]).dtype));
    else if (kind == "prim::layout")
      value = static_cast<int64_t>(c10::kStrided);
    else if (kind == "aten::is_floating_point")
      value = graph_.type(binding(node.input(0)).tensors[0]).dtype == ir::DType::Float32;
    else if (kind == "prim::is_cuda" || kind == "prim::requires_grad" || kind == "prim::is_quantized" ||
             kind == "prim::is_nested")
      value = false;
    else
      return false;
    env_[node.output()] = Binding::constantValue(value);
    return true;
  }

  // `x is None` and `query is key` where x, query or key is a tensor: a tensor is never None, and two
  // tensors are the same object when they are the same IR value.
  bool tryIdentityTest(const jit::Node& node, const std::string& kind) {
    if (kind != "aten::__is__" && kind != "aten::__isnot__") return false;
    const Binding &a = binding(node.input(0)), &b = binding(node.input(1));
    auto isNone = [](const Binding& v) { return v.kind == Kind::Constant && v.constant.isNone(); };
    bool same;
    if (a.kind == Kind::Tensor && b.kind == Kind::Tensor)
      same = a.tensors == b.tensors;
    else if ((a.kind == Kind::Tensor || a.kind == Kind::TensorList) && isNone(b))
      same = false;
    else if (isNone(a) && (b.kind == Kind::Tensor || b.kind == Kind::TensorList))
      same = false;
    else
      return false;
    env_[node.output()] = Binding::constantValue(same == (kind == "aten::__is__"));
    return true;
  }

  // list.append(item) in a scripted loop: later readers of the list see the longer list.
  void append(const jit::Node& node) {
    const Binding& list = binding(node.input(0));
    const Binding& item = binding(node.input(1));
    Binding grown = list;
    if (list.kind == Kind::TensorList && item.kind == Kind::Tensor) {
      grown.tensors.push_back(item.tensors[0]);
    } else if (list.kind == Kind::Constant && list.constant.isList() && item.kind == Kind::Constant) {
      c10::impl::GenericList copy = list.constant.toList().copy();
      copy.push_back(item.constant);
      grown = Binding::constantValue(c10::IValue(std::move(copy)));
    } else if (list.kind == Kind::Constant && list.constant.isList() && list.constant.toListRef().empty() &&
               item.kind == Kind::Tensor) {
      grown = Binding::tensorList({item.tensors[0]});
    } else {
      return recordUnsupported(node, "a list mixing tensors and other values");
    }
    env_[node.input(0)] = grown;
    bindAll(node, grown);
  }

  // A node downstream of something unsupported: nothing can be computed, but unsupported kinds are still
  // listed (not those the importer answers itself, such as size() or `is None`).
  void scanUnknown(const jit::Node& node) {
    std::string kind = node.kind().toQualString();
    bool structural = kind.rfind("prim::", 0) == 0 || kImporterKinds.count(kind) != 0;
    if (!structural && hasTensorTypes(node) && !findFunctionalLowering(kind)) recordUnsupported(node, "");
    for (const jit::Block* block : node.blocks())
      for (const jit::Node* inner : block->nodes()) scanUnknown(*inner);
    bindAll(node, Binding{});
  }

  static bool hasTensorTypes(const jit::Node& node) {
    for (const jit::Value* v : node.inputs())
      if (v->type()->cast<c10::TensorType>()) return true;
    for (const jit::Value* v : node.outputs())
      if (v->type()->cast<c10::TensorType>()) return true;
    return false;
  }

  void recordUnsupported(const jit::Node& node, const std::string& detail) {
    std::string key = node.kind().toQualString();
    if (!detail.empty()) key += " (" + detail + ")";
    UnsupportedUse& use = unsupported_[key];
    if (use.count++ == 0) use.first_location = location(node);
    bindAll(node, Binding{});
  }

  void reportUnsupported() const {
    if (unsupported_.empty()) return;
    int total = 0;
    std::string lines;
    for (const auto& [kind, use] : unsupported_) {
      total += use.count;
      lines += fmt::format("\n  {} x{}, first at {}", kind, use.count,
                           use.first_location.empty() ? "(no source location recorded)" : use.first_location);
    }
    fail("{} unsupported op kind(s), {} use(s) in all; run `kiln ops` for what kiln supports:{}",
         unsupported_.size(), total, lines);
  }

  ir::Graph& graph_;
  ByteBudget evaluation_budget_;  // what evaluateConstants may still allocate
  size_t max_ops_;
  std::unordered_map<const jit::Value*, Binding> env_;
  std::map<std::string, UnsupportedUse> unsupported_;
};

std::shared_ptr<jit::Graph> frozenForwardGraph(jit::Module& module, const std::string& path) {
  try {
    module.eval();
    jit::Module frozen = jit::freeze_module(module);
    std::shared_ptr<jit::Graph> graph = frozen.get_method("forward").graph()->copy();
    jit::Inline(*graph);
    jit::RemoveTensorMutation(graph);
    return graph;
  } catch (const std::exception& e) {
    fail("cannot freeze '{}' for import: {}", path, firstLine(e));
  }
}

std::string graphName(const std::string& path) {
  std::string stem = irName(std::filesystem::path(path).stem().string());
  for (char& ch : stem)
    if (ch == '.') ch = '_';
  return stem.empty() || std::isdigit(static_cast<unsigned char>(stem[0])) ? "model_" + stem : stem;
}

std::optional<std::vector<ir::TensorType>> parseStoredInputs(const std::string& text,
                                                             const std::string& path) {
  if (text.empty()) return std::nullopt;
  std::vector<ir::TensorType> inputs;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(';', start);
    auto input =
        ir::parseInputSpec(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (!input) fail("'{}' stores an unreadable input shape '{}'", path, text);
    inputs.push_back(*input);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return inputs;
}

constexpr const char* kShapeFile = "kiln/input_shape";

}  // namespace

namespace {

// LibTorch 1.13's loader parses the file's serialized Python code, and a damaged one can crash its parser
// (a SIGSEGV in ScriptTypeParser under fuzz/torchscript_fuzzer.cpp); its unpickler can corrupt memory on a
// crafted pickle (a bad free). kiln cannot check that code the way it checks the pickles' lengths, so the
// file is first unpickled and loaded in a throwaway process, whose crash (or exit after a sanitizer's report)
// becomes an error. The debug records are checked only there: a damaged one crashed the fuzzer's own process
// once after the probe had read it without harm (what the unpickler does with it depends on the heap it
// finds), so their verdict comes back as the probe's error, and kiln's process never unpickles them. Errors
// the load throws are worded there too: the text of a TorchScript compile error (ErrorReport::what(), which
// quotes the code) asserts on a damaged file's source ranges, and an exception out of that noexcept
// function ends the process (the fuzzer's, until the probe took it over). What LibTorch prints as it fails
// there (that assert's text, "please report a bug to PyTorch") is not for users: the probe's stderr goes
// nowhere, and its verdict becomes kiln's error.
ForkServer& loadProbes(ForkServer::Children children = ForkServer::Children::OnePerJob) {
  static ForkServer probes(
      [](const std::string& path) {
        if (int null = open("/dev/null", O_WRONLY); null >= 0) {
          dup2(null, STDERR_FILENO);
          close(null);
        }
        checkDebugRecords(path);
        try {
          jit::load(path, torch::kCPU);
        } catch (const std::exception& e) {
          failUnreadable(path, e);
        }
      },
      children);
  return probes;
}

void probeLoad(const std::string& path) {
  const ForkServer::Outcome outcome = loadProbes().run(path);
  if (WIFEXITED(outcome.status) && WEXITSTATUS(outcome.status) == 0) return;
  if (!outcome.error.empty()) throw Error(outcome.error);
  fail(
      "'{}' failed to load with LibTorch: {}; the file is damaged or was saved by an incompatible PyTorch: "
      "export the model again",
      path, abnormalEnd(outcome.status));
}

}  // namespace

void startLoadProbes(ForkServer::Children children) {
  loadProbes(children);
}

jit::Module loadTorchScript(const std::string& path, jit::ExtraFilesMap& extra_files) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    fail("cannot read model '{}': no such file (export one with examples/export_zoo.py)", path);
  if (!std::filesystem::is_regular_file(path, ec)) fail("cannot read model '{}': not a regular file", path);
  if (!std::ifstream(path).good()) fail("cannot read model '{}': permission denied", path);
  checkPickleLengths(path);
  probeLoad(path);
  jit::Module module;
  try {
    const RecordedAllocationSizes record_sizes;
    module = jit::load(path, torch::kCPU, extra_files);
  } catch (const std::exception& e) {
    failUnreadable(path, e);
  }
  checkTensorRecords(module, path);
  return module;
}

jit::Module loadTorchScript(const std::string& path) {
  jit::ExtraFilesMap no_extra_files;
  return loadTorchScript(path, no_extra_files);
}

std::optional<std::vector<ir::Shape>> storedInputShapes(const std::string& path) {
  jit::ExtraFilesMap extra{{kShapeFile, ""}};
  loadTorchScript(path, extra);
  const auto stored = parseStoredInputs(extra[kShapeFile], path);
  if (!stored) return std::nullopt;
  std::vector<ir::Shape> shapes;
  for (const ir::TensorType& input : *stored) shapes.push_back(input.shape);
  return shapes;
}

ir::Graph importTorchScript(const std::string& path, const ImportOptions& options) {
  jit::ExtraFilesMap extra{{kShapeFile, ""}};
  jit::Module module = loadTorchScript(path, extra);
  const auto stored = parseStoredInputs(extra[kShapeFile], path);
  if (options.input_shapes.empty() && !stored)
    fail("'{}' does not record its input shape; give one with --input-shape, e.g. 1x3x224x224", path);
  // Given shapes, else the stored ones; given dtypes, else the stored ones where they are for as many inputs.
  std::vector<ir::TensorType> inputs = stored.value_or(std::vector<ir::TensorType>{});
  if (!options.input_shapes.empty()) {
    if (inputs.size() != options.input_shapes.size()) inputs.assign(options.input_shapes.size(), {});
    for (size_t i = 0; i < inputs.size(); ++i) inputs[i].shape = options.input_shapes[i];
  }
  if (!options.input_dtypes.empty()) {
    if (options.input_dtypes.size() != inputs.size())
      fail("{} input dtype(s) given for {} input shape(s)", options.input_dtypes.size(), inputs.size());
    for (size_t i = 0; i < inputs.size(); ++i) inputs[i].dtype = options.input_dtypes[i];
  }
  std::shared_ptr<jit::Graph> graph = frozenForwardGraph(module, path);

  ir::Graph result(graphName(path));
  Importer importer(result, options);
  try {
    importer.importInputs(*graph, inputs);
    importer.walk(*graph->block());
    importer.importOutputs(*graph);
  } catch (const c10::Error& e) {  // LibTorch reads parts of a file lazily, during the walk
    fail(
        "cannot import '{}': LibTorch failed reading it ({}); is the file damaged? save it again with "
        "torch.jit.save",
        path, firstLine(e));
  }
  ir::verifyOrThrow(result, "after import");
  return result;
}

}  // namespace kiln::frontend
