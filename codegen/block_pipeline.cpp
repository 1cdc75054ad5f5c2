#include "codegen/block_pipeline.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "codegen/lowerings/lowering_helpers.h"
#include "ir/error.h"
#include "ir/summary.h"

namespace kiln::codegen {
namespace {

// Conv and linear weights in panels of one vector of output channels, unblocked when the vector does not
// divide the output channels (a shifted tail tile would then straddle two panels).
Layout preferredWeightLayout(const ir::Graph& graph, ir::ValueId constant, const ir::UseIndex& uses,
                             const TargetDesc& target, const std::set<int>& winograd_convs) {
  const ir::TensorType& type = graph.type(constant);
  if (type.rank() == 0) return rowMajor(0);
  const int panel = type.shape[0] % target.weightPanel() == 0 ? target.weightPanel() : 1;
  for (int user : uses.users[constant]) {
    const ir::Op& op = graph.ops()[user];
    if (op.inputs.size() > 1 && op.inputs[1] == constant) {
      if (winograd_convs.count(user)) return winogradConvWeights(target.weightPanel());
      if (op.kind == "conv2d") return convWeightsPacked(panel);
      if (op.kind == "linear") return linearWeightsPacked(panel);
    }
  }
  return rowMajor(type.rank());
}

// A buffer argument with this value's static shape, in its layout.
Halide::ImageParam makeParam(const ir::Graph& graph, ir::ValueId id, const Layout& layout) {
  const auto extents = layout.halideExtents(graph.type(id).shape);
  Halide::ImageParam param(storageType(graph.type(id).dtype), static_cast<int>(extents.size()),
                           funcName(graph, id));
  int stride = 1;
  for (size_t p = 0; p < extents.size(); ++p) {
    const int extent = static_cast<int>(extents[p]);
    param.dim(p).set_bounds(0, extent).set_stride(stride).set_estimate(0, extent);
    stride *= extent;
  }
  return param;
}

// Pins an output Func's buffer to the value's dense shape in its layout.
void pinOutput(TensorFunc& out) {
  const auto extents = out.layout.halideExtents(out.shape);
  const std::vector<Halide::Var> args = out.func.args();
  int stride = 1;
  for (size_t p = 0; p < extents.size(); ++p) {
    const int extent = static_cast<int>(extents[p]);
    out.func.output_buffer().dim(p).set_bounds(0, extent).set_stride(stride);
    out.func.set_estimate(args[p], 0, extent);
    stride *= extent;
  }
}

// The output Func of a value the block hands out, in the value's memory layout and storage type.
TensorFunc defineBlockOutput(const ir::Graph& graph, ir::ValueId id, const TensorFunc& value,
                             const Layout& layout) {
  const Halide::Type type = storageType(graph.type(id).dtype);
  TensorFunc out = defineTensor(funcName(graph, id) + "_out", value.shape, layout,
                                [&](const auto& i) { return Halide::cast(type, value.at(exprs(i))); });
  pinOutput(out);
  return out;
}

// Inlined values that a reader would recompute many times become stages of their own, computed once per
// strip (unless the block hands them out: then they are computed once already):
//  - an elementwise result that a sliding window (a conv or pool of more than one row) or a sum of products
//    (recomputed once per tile of output channels) reads, recomputed for every read when inlined. That is
//    free for max(x, 0) and clamps but not for costlier activations (silu, sigmoid, gelu, hardswish: 4 or
//    more FLOPs per element in the registry's counting). Measured on EfficientNet-B0 for windows: 32 ->
//    27.5 ms; staging relu as well made the ResNets 20-35% slower. ViT-B/16's gelu+linear blocks (3072
//    inputs, recomputed for each of 32 tiles of 768 outputs) ran at 3 % of the roofline inlined.
//  - a concatenation, or elementwise ops of one, that a sum of products (conv, matmul) reads: inlined, every
//    term of the sum selects among the cat's inputs, once per tile of output channels. DenseNet-121's
//    cat+batch_norm+relu+conv2d blocks ran at 3-10% of the roofline that way.
constexpr int64_t kCostlyFlopsPerElement = 4;

class RereadInputs {
 public:
  RereadInputs(const ir::Graph& graph, const fusion::Block& block, const BlockPipeline& built)
      : graph_(graph), built_(built) {
    for (const PlacedStage& s : built.stages) {
      staged_.insert(s.op);
      if (s.stage.kind == StageKind::Accumulator) sums_.insert(s.op);
    }
    for (int op : block.ops)
      for (ir::ValueId out : graph.ops()[op].outputs) producer_[out] = op;
  }

  // Readers of a value the block hands out read its output (buildBlockPipeline), so it is never staged here.
  bool worthStaging(int op_index) const {
    const ir::Op& op = graph_.ops()[op_index];
    if (staged_.count(op_index)) return false;
    auto readers = built_.readers.find(op_index);
    if (readers == built_.readers.end()) return false;
    for (int reader : readers->second) {
      if (reader < 0 || graph_.ops()[reader].inputs[0] != op.outputs[0]) continue;
      if (sums_.count(reader) && computedFromCat(op_index)) return true;
      if (costlyElementwise(op) && (slidesWindow(graph_.ops()[reader]) || sums_.count(reader))) return true;
    }
    return false;
  }

 private:
  bool costlyElementwise(const ir::Op& op) const {
    const ir::OpDef& def = ir::OpRegistry::global().get(op.kind);
    const ir::OpSignature signature{ir::inputTypes(graph_, op), op.attrs};
    const std::vector<ir::TensorType> outputs = ir::outputTypes(graph_, op);
    return def.mapping(signature) == ir::MappingType::OneToOne &&
           def.flops(signature, outputs) >= kCostlyFlopsPerElement * outputs[0].numElements();
  }

  bool slidesWindow(const ir::Op& consumer) const {
    const ir::OpDef& def = ir::OpRegistry::global().get(consumer.kind);
    return def.row_window &&
           def.row_window(ir::OpSignature{ir::inputTypes(graph_, consumer), consumer.attrs}).rows > 1;
  }

  // Whether the op is a cat, or inlines one through one-to-one ops of the block.
  bool computedFromCat(int op_index) const {
    const ir::Op& op = graph_.ops()[op_index];
    if (op.kind == "cat") return true;
    if (staged_.count(op_index) || ir::mappingOf(graph_, op) != ir::MappingType::OneToOne) return false;
    return std::any_of(op.inputs.begin(), op.inputs.end(), [&](ir::ValueId in) {
      auto p = producer_.find(in);
      return p != producer_.end() && computedFromCat(p->second);
    });
  }

  const ir::Graph& graph_;
  const BlockPipeline& built_;
  std::set<int> staged_, sums_;
  std::map<ir::ValueId, int> producer_;
};

void addRereadInputs(const ir::Graph& graph, const fusion::Block& block,
                     const std::map<ir::ValueId, TensorFunc>& funcs, BlockPipeline& built) {
  const RereadInputs reread(graph, block, built);
  std::vector<PlacedStage> added;
  for (int op_index : block.ops)
    if (reread.worthStaging(op_index))
      added.push_back(
          {Stage{funcs.at(graph.ops()[op_index].outputs[0]), StageKind::WindowInput, Halide::RDom()},
           op_index});
  built.stages.insert(built.stages.end(), added.begin(), added.end());
  std::stable_sort(built.stages.begin(), built.stages.end(),
                   [](const PlacedStage& a, const PlacedStage& b) { return a.op < b.op; });
}

}  // namespace

std::string funcName(const ir::Graph& graph, ir::ValueId id) {
  std::string name = "v" + std::to_string(id) + "_";
  for (char c : graph.value(id).name) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return name;
}

ValueLayouts chooseLayouts(const ir::Graph& graph, const fusion::Plan& plan, const TargetDesc& target,
                           const std::set<int>& winograd_convs) {
  const ir::UseIndex uses(graph);
  ValueLayouts layouts;
  for (const fusion::Block& block : plan.blocks) {
    for (ir::ValueId id : block.footprint.inputs)
      layouts.emplace(id, activationLayout(graph.type(id).rank()));
    for (ir::ValueId id : block.footprint.outputs)
      layouts.emplace(id, activationLayout(graph.type(id).rank()));
    for (ir::ValueId id : block.footprint.weights)
      layouts.emplace(id, preferredWeightLayout(graph, id, uses, target, winograd_convs));
  }
  for (ir::ValueId id : graph.inputs()) layouts[id] = rowMajor(graph.type(id).rank());
  for (ir::ValueId id : graph.outputs()) layouts[id] = rowMajor(graph.type(id).rank());
  return layouts;
}

BlockPipeline buildBlockPipeline(const ir::Graph& graph, const fusion::Block& block,
                                 const ValueLayouts& layouts, const std::string& function_name) {
  BlockPipeline built;
  built.function_name = function_name;
  std::map<ir::ValueId, TensorFunc> funcs;
  const fusion::Footprint& fp = block.footprint;
  built.arguments = fp.inputs;
  built.arguments.insert(built.arguments.end(), fp.weights.begin(), fp.weights.end());
  for (ir::ValueId id : built.arguments) {
    const Layout& layout = layouts.at(id);
    built.params.push_back(makeParam(graph, id, layout));
    funcs.emplace(id, TensorFunc{Halide::Func(built.params.back()), graph.type(id).shape, layout});
  }
  std::map<ir::ValueId, int> producer;
  // Ops reading a value the block hands out read its output buffer, not the op that computes it.
  const auto handedOut = [&](ir::ValueId id) {
    return std::count(fp.outputs.begin(), fp.outputs.end(), id) > 0;
  };
  for (int op_index : block.ops) {
    const ir::Op& op = graph.ops()[op_index];
    LoweringInput in{op, {}, ir::outputTypes(graph, op), {}, {}};
    for (ir::ValueId id : op.inputs) {
      in.inputs.push_back(funcs.at(id));
      if (producer.count(id) && !handedOut(id)) built.readers[producer[id]].push_back(op_index);
    }
    for (ir::ValueId id : op.outputs) {
      in.output_names.push_back(funcName(graph, id));
      in.output_layouts.push_back(activationLayout(graph.type(id).rank()));
    }
    LoweredOp lowered = loweringFor(op.kind)(in);
    for (size_t k = 0; k < op.outputs.size(); ++k) {
      funcs.insert_or_assign(op.outputs[k], lowered.outputs[k]);
      producer[op.outputs[k]] = op_index;
    }
    for (Stage& stage : lowered.stages) built.stages.push_back({std::move(stage), op_index});
    // A value the block hands out is computed once, into its output buffer, and the block's own readers of
    // it read that buffer: inlined into a conv's reduction it would be recomputed for every tile of output
    // channels (a residual's add+relu feeding the next 1x1 conv: 2.5-5.7 ms instead of 0.7 ms on ResNet-50).
    for (ir::ValueId id : op.outputs)
      if (handedOut(id))
        funcs.insert_or_assign(id, defineBlockOutput(graph, id, funcs.at(id), layouts.at(id)));
  }
  addRereadInputs(graph, block, funcs, built);
  std::vector<Halide::Func> outputs;
  for (ir::ValueId id : fp.outputs) {
    built.readers[producer.at(id)].push_back(-1 - static_cast<int>(built.outputs.size()));
    built.outputs.push_back(id);
    built.output_funcs.push_back(funcs.at(id));
    outputs.push_back(funcs.at(id).func);
  }
  built.pipeline = Halide::Pipeline(outputs);
  return built;
}

}  // namespace kiln::codegen
