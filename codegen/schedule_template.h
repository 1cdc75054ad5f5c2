// Schedule templates: one per kind of block, each a declared parameter space plus a default chosen from the
// target's description and the block's shapes (TVM's op strategies; Halide's autoscheduler plugins).
//
// A template says whether it `matches` a block, lists the `space` of its parameters for that block, derives
// a `defaultConfig` from the TargetDesc and the shapes, and `apply`s a config to the block's Funcs. Which
// template schedules a block is decided by the block's anchor (placement.h): dense conv, 1x1 conv and GEMM,
// depthwise/grouped conv; blocks without one are window/axis reductions (pooling, softmax, norms) or purely
// elementwise. The CPU templates (x86-64 and NEON) live in cpu_templates.cpp, the GPU's in gpu_schedule.cpp.
#pragma once

#include <map>
#include <memory>
#include <vector>

#include "codegen/block_pipeline.h"
#include "codegen/placement.h"
#include "codegen/schedule_config.h"
#include "codegen/target_desc.h"

namespace kiln::codegen {

// What templates look at to match and configure a block, computed once per block.
struct BlockAnalysis {
  std::map<int, Placement> placement;       // stage-owning op -> placement (placement.h)
  std::vector<const PlacedStage*> anchors;  // every accumulator computed in the output's register tile
  const PlacedStage* anchor = nullptr;      // the one with the most weights: it picks the template
  const ir::Op* anchor_op = nullptr;
  bool anchor_computes_operand = false;   // the anchor is a 1x1 conv of inlined ops' values (placement.h)
  const PlacedStage* winograd = nullptr;  // a Winograd conv's channel sums (winograd.h), which anchor no tile
  std::map<int, int> tiled_outputs;       // accumulator op -> the output that is its tile (placement.h)
  std::map<int, int> tiled_kept_values;   // accumulator op -> the KeptValue stage that is its tile
  bool strips = false;                    // some stage is computed per strip of output rows
  bool has_stages = false;                // some Func is computed outside the outputs (reductions, convs)
  std::vector<int> out_extents;           // the first output's extents in Halide order (innermost first)
  int strip_rows = 1;                     // the rows per strip fusion priced (BlockPipeline::strip_rows)

  Placement placed(int op) const;
};

BlockAnalysis analyzeBlock(const BlockPipeline& block, const ir::Graph& graph);

// The bytes of weights an accumulator stage reads: its output channels (innermost extent) times the terms
// each element sums, in floats.
int64_t weightBytes(const Stage& accumulator);

class ScheduleTemplate {
 public:
  virtual ~ScheduleTemplate() = default;
  virtual const char* name() const = 0;
  virtual bool matches(const BlockAnalysis& block) const = 0;
  virtual ParamSpace space(const BlockAnalysis& block, const TargetDesc& target) const = 0;
  virtual ScheduleConfig defaultConfig(const BlockAnalysis& block, const TargetDesc& target) const = 0;
  virtual void apply(BlockPipeline& block, const BlockAnalysis& analysis, const ScheduleConfig& config,
                     const TargetDesc& target) const = 0;
};

// The CPU templates in the order they are tried; the last (elementwise) matches every block.
const std::vector<std::unique_ptr<ScheduleTemplate>>& cpuTemplates();

}  // namespace kiln::codegen
