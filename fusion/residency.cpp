#include "fusion/residency.h"

#include <algorithm>
#include <optional>
#include <set>

#include "ir/summary.h"

namespace kiln::fusion {

const char* residencyName(Residency residency) {
  switch (residency) {
    case Residency::Cached:
      return "cached";
    case Residency::Streamed:
      return "streamed";
    case Residency::Inlined:
      return "inlined";
    case Residency::Materialized:
      return "materialized";
  }
  return "?";
}

namespace {

bool hasRows(const ir::TensorType& type) {
  return type.rank() == 4 && type.shape[2] > 1;
}

// Sums of products are computed in register tiles of the output they feed (codegen's anchors).
bool isSumOfProducts(const ir::Op& op) {
  return op.kind == "conv2d" || op.kind == "linear" || op.kind == "matmul";
}

bool isCheap(const ir::Graph& graph, const ir::Op& op) {
  return ir::mappingOf(graph, op) != ir::MappingType::ManyToMany;
}

// An elementwise op (with or without broadcasting) is computed inside its readers' loops, value by value;
// computing one value of it, with the elementwise producers inlined into it, costing this many FLOPs or more
// (silu, sigmoid, gelu, hardswish in the registry's counting, or a multiply by a sigmoid; not max(x, 0) or
// clamps) makes it costly to recompute for every read.
constexpr double kCostlyFlopsPerElement = 4;

bool isElementwise(const ir::Graph& graph, const ir::Op& op) {
  const ir::MappingType mapping = ir::mappingOf(graph, op);
  return mapping == ir::MappingType::OneToOne || mapping == ir::MappingType::OneToMany;
}

double flopsPerElement(const ir::Graph& graph, const ir::Op& op) {
  const ir::OpDef& def = ir::OpRegistry::global().get(op.kind);
  const std::vector<ir::TensorType> outputs = ir::outputTypes(graph, op);
  const double flops = def.flops(ir::OpSignature{ir::inputTypes(graph, op), op.attrs}, outputs);
  return flops / static_cast<double>(std::max<int64_t>(1, outputs[0].numElements()));
}

bool slidesWindow(const ir::Graph& graph, const ir::Op& reader) {
  const ir::OpDef& def = ir::OpRegistry::global().get(reader.kind);
  return def.row_window &&
         def.row_window(ir::OpSignature{ir::inputTypes(graph, reader), reader.attrs}).rows > 1;
}

class Classifier {
 public:
  Classifier(const ir::Graph& graph, const ir::UseIndex& uses, const std::vector<int>& ops,
             const Machine& machine)
      : graph_(graph), uses_(uses), ops_(ops), machine_(machine), in_block_(graph.ops().size(), false) {
    for (int op : ops) in_block_[op] = true;
    for (int op : ops)
      for (ir::ValueId out : graph.ops()[op].outputs)
        if (readOutside(out)) outputs_.push_back(out);
    const bool model_output_nchw =
        outputs_.size() == 1 && uses.is_graph_output[outputs_[0]] && graph.type(outputs_[0]).rank() == 4;
    tiles_ = !model_output_nchw;
    streams_ = outputs_.size() == 1 && hasRows(graph.type(outputs_[0])) && !model_output_nchw;
  }

  Residencies run() {
    for (auto it = ops_.rbegin(); it != ops_.rend(); ++it) {  // readers before the values they read
      const ir::Op& op = graph_.ops()[*it];
      const bool kept = isKept(*it);
      if (kept) result_.kept.insert(op.outputs[0]);
      const bool recomputed = isCheap(graph_, op) && !kept;
      for (ir::ValueId out : op.outputs) {
        if (readOutside(out)) continue;
        const ir::TensorType& type = graph_.type(out);
        const std::optional<ir::ValueId> followed = tileFollowed(out, type);
        const bool follows = followed && (recomputed || (isSumOfProducts(op) && type.rank() >= 2));
        if (follows) follows_[out] = *followed;
        const bool whole = !follows && (!streams_ || !hasRows(type) || readWhole(out));
        needed_whole_[out] = whole;
        if (!whole)
          residency_[out] = Residency::Streamed;
        else if (type.bytes() <= machine_.stage_bytes)
          residency_[out] = Residency::Cached;
        else
          residency_[out] = recomputed ? Residency::Inlined : Residency::Materialized;
      }
    }
    return result_;
  }

 private:
  bool readOutside(ir::ValueId value) const {
    if (uses_.is_graph_output[value]) return true;
    for (int user : uses_.users[value])
      if (!in_block_[user]) return true;
    return false;
  }

  // The block output whose tiles would compute `value`, if it is read only by one-to-one ops whose results
  // are that output (of the value's shape) or follow its tiles themselves.
  std::optional<ir::ValueId> tileFollowed(ir::ValueId value, const ir::TensorType& type) const {
    if (!tiles_ || uses_.users[value].empty()) return std::nullopt;
    std::set<ir::ValueId> reached;
    for (int user : uses_.users[value]) {
      const ir::Op& reader = graph_.ops()[user];
      if (ir::mappingOf(graph_, reader) != ir::MappingType::OneToOne) return std::nullopt;
      for (ir::ValueId out : reader.outputs) {
        if (graph_.type(out).shape != type.shape) return std::nullopt;
        auto followed = follows_.find(out);
        if (readOutside(out))
          reached.insert(out);
        else if (followed != follows_.end())
          reached.insert(followed->second);
        else
          return std::nullopt;
      }
    }
    if (reached.size() != 1) return std::nullopt;
    return *reached.begin();
  }

  bool isKept(int op_index) const {
    auto known = kept_.find(op_index);
    if (known != kept_.end()) return known->second;
    const ir::Op& op = graph_.ops()[op_index];
    return kept_[op_index] = isCheap(graph_, op) && !readOutside(op.outputs[0]) && keptWhenReread(op_index);
  }

  // Whether rereading a cheap op's value costs more than keeping it: a costly elementwise value (below) that
  // a sliding window (a conv or pool of more than one row) or a sum of products (recomputed once per tile
  // of output channels) reads as its first input, or that a reader broadcasts (reads at more positions than
  // it has values: squeeze-excitation's gate); or a concatenation, or elementwise ops of one, that a sum of
  // products reads (inlined, every term of the sum would select among the cat's inputs).
  // Measured: EfficientNet-B0's windows 32 -> 27.5 ms kept; keeping relu as well made the ResNets 20-35%
  // slower; ViT-B/16's gelu+linear blocks ran at 3 % of the roofline inlined, DenseNet-121's
  // cat+batch_norm+relu+conv2d blocks at 3-10 %, EfficientNet-B0's squeeze-excitation blocks at 3-4 %
  // (every multiply-add of the projection conv recomputed the silu and the gate's sigmoid, scalar).
  bool keptWhenReread(int op_index) const {
    const ir::Op& op = graph_.ops()[op_index];
    const bool costly =
        isElementwise(graph_, op) && inlinedFlopsPerElement(op_index) >= kCostlyFlopsPerElement;
    const int64_t values = graph_.type(op.outputs[0]).numElements();
    for (int user : uses_.users[op.outputs[0]]) {
      const ir::Op& reader = graph_.ops()[user];
      if (!in_block_[user]) continue;
      if (costly && graph_.type(reader.outputs[0]).numElements() > values) return true;
      if (reader.inputs[0] != op.outputs[0]) continue;
      if (isSumOfProducts(reader) && computedFromCat(op_index)) return true;
      if (costly && (slidesWindow(graph_, reader) || isSumOfProducts(reader))) return true;
    }
    return false;
  }

  // FLOPs per value of an elementwise op where it is read: its own and those of the elementwise producers
  // inside the block that are inlined into it (neither kept nor read outside the block).
  double inlinedFlopsPerElement(int op_index) const {
    auto known = inlined_flops_.find(op_index);
    if (known != inlined_flops_.end()) return known->second;
    const ir::Op& op = graph_.ops()[op_index];
    double flops = flopsPerElement(graph_, op);
    for (ir::ValueId in : op.inputs) {
      const int producer = uses_.producer[in];
      if (producer < 0 || !in_block_[producer] || !isElementwise(graph_, graph_.ops()[producer])) continue;
      if (!isKept(producer) && !readOutside(in)) flops += inlinedFlopsPerElement(producer);
    }
    return inlined_flops_[op_index] = flops;
  }

  // Whether the op is a cat, or inlines one through one-to-one ops of the block.
  bool computedFromCat(int op_index) const {
    const ir::Op& op = graph_.ops()[op_index];
    if (op.kind == "cat") return true;
    if (ir::mappingOf(graph_, op) != ir::MappingType::OneToOne) return false;
    return std::any_of(op.inputs.begin(), op.inputs.end(), [&](ir::ValueId in) {
      const int producer = uses_.producer[in];
      return producer >= 0 && in_block_[producer] && computedFromCat(producer);
    });
  }

  // Whether a reader inside the block needs all of `value` at once.
  bool readWhole(ir::ValueId value) {
    for (int user : uses_.users[value]) {
      const ir::Op& reader = graph_.ops()[user];
      ir::RowWindow window;
      if (!readsRowLocally(graph_, reader, value, &window)) return true;
      for (ir::ValueId reader_out : reader.outputs) {
        auto where = residency_.find(reader_out);
        if (isCheap(graph_, reader) ? needed_whole_[reader_out]
                                    : where != residency_.end() && where->second != Residency::Streamed)
          return true;
      }
    }
    return false;
  }

  const ir::Graph& graph_;
  const ir::UseIndex& uses_;
  const std::vector<int>& ops_;
  const Machine& machine_;
  std::vector<bool> in_block_;
  std::vector<ir::ValueId> outputs_;  // read outside the block or returned by the graph
  bool tiles_ = true, streams_ = true;
  std::map<ir::ValueId, bool> needed_whole_;
  std::map<ir::ValueId, ir::ValueId> follows_;   // value -> the block output whose tiles compute it
  mutable std::map<int, bool> kept_;             // op -> isKept(op), as found
  mutable std::map<int, double> inlined_flops_;  // op -> inlinedFlopsPerElement(op), as found
  Residencies result_;
  ResidencyMap& residency_ = result_.where;
};

}  // namespace

bool isCostlyElementwise(const ir::Graph& graph, const ir::Op& op) {
  return isElementwise(graph, op) && flopsPerElement(graph, op) >= kCostlyFlopsPerElement;
}

Residencies classifyInternals(const ir::Graph& graph, const ir::UseIndex& uses, const std::vector<int>& ops,
                              const Machine& machine) {
  return Classifier(graph, uses, ops, machine).run();
}

}  // namespace kiln::fusion
