// A fusion block as ONE Halide pipeline.
//
// The block's ops are lowered in graph order: block inputs and weights become ImageParams (buffer arguments
// with static shapes and strides), every op's outputs become TensorFuncs, and each value the block hands out
// becomes a pure output Func in that value's memory layout. Values that stay inside the block are Funcs only;
// whether they are inlined, streamed in strips or staged is the schedule's decision (schedule.h), not this
// file's.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "codegen/lowering.h"
#include "codegen/schedule_config.h"
#include "codegen/target_desc.h"
#include "fusion/plan.h"

namespace kiln::codegen {

// Where every value that lives in memory (model inputs and outputs, constants, block boundaries) is laid out.
using ValueLayouts = std::map<ir::ValueId, Layout>;

// kiln's layout choices for a planned graph; see codegen/layout.h for the rules. The weights of the convs in
// `winograd_tiles` (op index -> tile side; schedule.h's winogradConvs) are stored in the Winograd domain.
// With `boundaries_as_activations` the model's inputs and outputs are laid out as activations between blocks
// are, instead of row-major (CompileOptions::boundaries_as_activations).
ValueLayouts chooseLayouts(const ir::Graph& graph, const fusion::Plan& plan, const TargetDesc& target,
                           const std::map<int, int>& winograd_tiles, bool boundaries_as_activations = false);

// A stage of the pipeline with the op it came from.
struct PlacedStage {
  Stage stage;
  int op;  // index into graph.ops()
};

struct BlockPipeline {
  std::string function_name;
  std::vector<ir::ValueId> arguments;      // activations, then weights: the order of the buffer arguments
  std::vector<Halide::ImageParam> params;  // the arguments': the block's inputs, then its weights
  int input_params = 0;                    // how many of them are inputs
  std::vector<ir::ValueId> outputs;        // the output buffers follow the arguments in the same order
  std::vector<TensorFunc> output_funcs;
  std::vector<PlacedStage> stages;  // in op order
  // For each op of the block, the ops (of the block) or outputs (-1 - output index) that read its results
  // directly (a value the block hands out is read from its output); schedules use it to decide where a stage
  // may be computed.
  std::map<int, std::vector<int>> readers;
  // For each op of the block whose results stay inside it, where they live (fusion's Block::residency; the
  // least streamed of its results for an op with several).
  std::map<int, fusion::Residency> residency;
  int strip_rows = 1;  // output rows per strip fusion priced the block with (Block::strip_rows)
  Halide::Pipeline pipeline;
  ScheduleConfig schedule;    // the template and config that scheduled it (schedule.h)
  std::string schedule_note;  // set when the block did not get the schedule asked for, and why
  // GPU targets: the definitions the schedule put on the GPU ("<Func>.s<definition>"), each one kernel, and
  // the PTX entry points Halide emitted for them (set by the compiler).
  std::vector<std::string> gpu_stages, gpu_kernels;
};

// Lowers `block` of `plan`. Throws kiln::Error naming the op for a kind without a lowering or a non-float32
// value.
BlockPipeline buildBlockPipeline(const ir::Graph& graph, const fusion::Block& block,
                                 const ValueLayouts& layouts, const std::string& function_name);

// A Halide-safe identifier for a value: its IR name with other characters replaced, made unique by its id.
std::string funcName(const ir::Graph& graph, ir::ValueId id);

}  // namespace kiln::codegen
