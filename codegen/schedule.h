// Schedules: where and how each Func of a block pipeline is computed.
//
// `default` picks the first of the target's templates that matches the block (schedule_template.h; the CPU's
// are in cpu_templates.cpp, the GPU's in gpu_schedule.h), takes its config from the overrides given by hand
// (checked against the template's space) or else the template's default for the TargetDesc and the shapes,
// and applies it. `auto` hands the pipeline to a Halide 14 autoscheduler plugin (Mullapudi2016) instead, for
// comparison. Either way the block's (template, config) is returned for the manifest.
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
};

// The convs (op indices) computed with Winograd: those winograd::applies to, with the default schedule, in
// blocks whose overrides do not name another template. Their weights are stored transformed (layout.h).
std::set<int> winogradConvs(const ir::Graph& graph, const fusion::Plan& plan, const TargetDesc& desc,
                            const ScheduleOptions& options);

ScheduleConfig scheduleBlock(BlockPipeline& block, const ir::Graph& graph, int block_id,
                             const TargetDesc& desc, const Halide::Target& target,
                             const ScheduleOptions& options);

}  // namespace kiln::codegen
