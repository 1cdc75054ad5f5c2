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
                             const TargetDesc& target, const std::map<int, int>& winograd_tiles) {
  const ir::TensorType& type = graph.type(constant);
  if (type.rank() == 0) return rowMajor(0);
  const int panel = type.shape[0] % target.weightPanel() == 0 ? target.weightPanel() : 1;
  for (int user : uses.users[constant]) {
    const ir::Op& op = graph.ops()[user];
    if (op.inputs.size() > 1 && op.inputs[1] == constant) {
      if (auto tile = winograd_tiles.find(user); tile != winograd_tiles.end())
        return winogradConvWeights(target.weightPanel(), tile->second);
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

// The cheap ops' values that fusion keeps rather than recomputes for every read (fusion/residency.h)
// become stages of their own, placed like any other.
void addKeptValues(const ir::Graph& graph, const fusion::Block& block,
                   const std::map<ir::ValueId, TensorFunc>& funcs, BlockPipeline& built) {
  for (int op_index : block.ops) {
    const ir::ValueId value = graph.ops()[op_index].outputs[0];
    if (block.residency.kept.count(value))
      built.stages.push_back({Stage{funcs.at(value), StageKind::KeptValue, Halide::RDom()}, op_index});
  }
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
                           const std::map<int, int>& winograd_tiles, bool boundaries_as_activations) {
  const ir::UseIndex uses(graph);
  ValueLayouts layouts;
  for (const fusion::Block& block : plan.blocks) {
    for (ir::ValueId id : block.footprint.inputs)
      layouts.emplace(id, activationLayout(graph.type(id).rank()));
    for (ir::ValueId id : block.footprint.outputs)
      layouts.emplace(id, activationLayout(graph.type(id).rank()));
    for (ir::ValueId id : block.footprint.weights)
      layouts.emplace(id, preferredWeightLayout(graph, id, uses, target, winograd_tiles));
  }
  if (boundaries_as_activations) return layouts;
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
  built.input_params = static_cast<int>(fp.inputs.size());
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
    for (ir::ValueId id : op.outputs) {
      auto where = block.residency.where.find(id);
      if (where == block.residency.where.end()) continue;
      auto [it, first] = built.residency.emplace(op_index, where->second);
      if (!first && it->second == fusion::Residency::Streamed) it->second = where->second;
    }
    // A value the block hands out is computed once, into its output buffer, and the block's own readers of
    // it read that buffer: inlined into a conv's reduction it would be recomputed for every tile of output
    // channels (a residual's add+relu feeding the next 1x1 conv: 2.5-5.7 ms instead of 0.7 ms on ResNet-50).
    for (ir::ValueId id : op.outputs)
      if (handedOut(id))
        funcs.insert_or_assign(id, defineBlockOutput(graph, id, funcs.at(id), layouts.at(id)));
  }
  addKeptValues(graph, block, funcs, built);
  built.strip_rows = static_cast<int>(block.strip_rows);
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
