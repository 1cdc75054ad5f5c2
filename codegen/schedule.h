// Schedules: where and how each Func of a block pipeline is computed.
//
// `default` picks the first of the target's templates that matches the block (schedule_template.h; the CPU's
// are in cpu_templates.cpp, the GPU's in gpu_schedule.h), takes its config from the overrides given by hand
// (checked against the template's space) or else the template's default for the TargetDesc and the shapes,
// and applies it; configs found by `kiln tune` (tuning/tuner.h) take the place of the default where they fit
// the block's template and space. `auto` hands the pipeline to a Halide 14 autoscheduler plugin
// (Mullapudi2016) instead, for comparison. Either way the block's (template, config) is returned for the
// manifest.
#pragma once

#include <set>
#include <string>

#include <Halide.h>

#include "codegen/block_pipeline.h"
#include "codegen/schedule_config.h"
#include "codegen/target_desc.h"

namespace kiln::codegen {

enum class ScheduleKind { Default, Auto };

ScheduleKind parseScheduleKind(const std::string& name);  // "default" | "auto"; kiln::Error otherwise
const char* scheduleKindName(ScheduleKind kind);

struct ScheduleOptions {
  ScheduleKind kind = ScheduleKind::Default;
  int threads = 2;              // the worker threads the code is planned for
  ScheduleOverrides overrides;  // configs chosen by hand, per block id
  // Configs a tuning search measured best, per block id: used where they name the block's template and lie
  // in its space (a block planned differently since keeps its default), never over a config given by hand.
  ScheduleOverrides tuned;
};

// A template that can schedule a block: its default config (which names it) and its space for the block.
struct TemplateSpace {
  ScheduleConfig default_config;
  ParamSpace space;
};

// How a block can be scheduled, before any is applied: what a search enumerates. The template the default
// schedule picks comes first; a block computed with Winograd also has `dense_conv` (the direct conv, its
// weights then packed for it), since which is faster depends on how its weights reach the cores.
struct ScheduleChoice {
  std::vector<TemplateSpace> templates;
  const TemplateSpace& byDefault() const { return templates.front(); }
};

// The convs computed with Winograd (op index -> tile side): those winograd::tileFor gives a tile, with the
// default schedule, in blocks whose overrides (or, failing those, tuned configs) do not name another
// template. Their weights are stored transformed (layout.h).
std::map<int, int> winogradConvs(const ir::Graph& graph, const fusion::Plan& plan, const TargetDesc& desc,
                                 const ScheduleOptions& options, bool outputs_as_activations);

// Whether a config's register tile fits the target's vector registers: vectors x pixels accumulators, a
// weight vector per tile vector and a broadcast input. One that does not spills on every step of its
// reduction, so a search skips it without measuring. Configs without a register tile always fit.
bool tileFitsRegisters(const ScheduleConfig& config, const TargetDesc& desc);

// The template the default schedule picks for `block`, with its default and space.
TemplateSpace describeSchedule(const BlockPipeline& block, const ir::Graph& graph, const TargetDesc& desc,
                               const Halide::Target& target);

ScheduleConfig scheduleBlock(BlockPipeline& block, const ir::Graph& graph, int block_id,
                             const TargetDesc& desc, const Halide::Target& target,
                             const ScheduleOptions& options);

}  // namespace kiln::codegen
