#include "codegen/schedule.h"

#include <filesystem>
#include <mutex>

#include "codegen/gpu_schedule.h"
#include "codegen/schedule_template.h"
#include "codegen/winograd.h"
#include "ir/error.h"

namespace kiln::codegen {
namespace {

constexpr const char* kAutoschedulerPlugin = KILN_MULLAPUDI2016_PLUGIN;

ScheduleConfig autoSchedule(BlockPipeline& block, const TargetDesc& desc, const Halide::Target& target) {
  if (!std::filesystem::exists(kAutoschedulerPlugin))
    fail("--schedule auto needs Halide's Mullapudi2016 autoscheduler, {}: install Debian's libhalide14-0-dev",
         kAutoschedulerPlugin);
  static std::once_flag loaded;
  std::call_once(loaded, [] { Halide::load_plugin(kAutoschedulerPlugin); });
  Halide::MachineParams machine(desc.threads, static_cast<uint64_t>(desc.l2_bytes), 40);
  block.pipeline.auto_schedule("Mullapudi2016", target, machine);
  return {"auto_mullapudi2016", {}};
}

const ScheduleTemplate& templateFor(const BlockAnalysis& analysis, const Halide::Target& target) {
  if (target.has_gpu_feature()) return gpuTemplate();
  for (const auto& candidate : cpuTemplates())
    if (candidate->matches(analysis)) return *candidate;
  fail("internal error: no CPU schedule template matched");  // elementwise matches every block
}

// The config given by hand for a block, or else the tuned one, or null.
const ScheduleConfig* configGiven(const ScheduleOptions& options, int block) {
  if (auto given = options.overrides.find(block); given != options.overrides.end()) return &given->second;
  if (auto tuned = options.tuned.find(block); tuned != options.tuned.end()) return &tuned->second;
  return nullptr;
}

}  // namespace

ScheduleKind parseScheduleKind(const std::string& name) {
  if (name == "default") return ScheduleKind::Default;
  if (name == "auto") return ScheduleKind::Auto;
  fail("unknown schedule '{}'; use 'default' (kiln's templates) or 'auto' (Halide's Mullapudi2016)", name);
}

const char* scheduleKindName(ScheduleKind kind) {
  return kind == ScheduleKind::Default ? "default" : "auto";
}

std::map<int, int> winogradConvs(const ir::Graph& graph, const fusion::Plan& plan, const TargetDesc& desc,
                                 const ScheduleOptions& options, bool outputs_as_activations) {
  std::map<int, int> convs;
  if (options.kind != ScheduleKind::Default) return convs;
  const ir::UseIndex uses(graph);
  for (size_t b = 0; b < plan.blocks.size(); ++b) {
    const ScheduleConfig* given = configGiven(options, static_cast<int>(b));
    if (given && given->template_name != "winograd") continue;
    for (int op : plan.blocks[b].ops)
      if (const int tile = winograd::tileFor(graph, plan.blocks[b], op, desc, outputs_as_activations);
          tile > 0 && uses.users[graph.ops()[op].inputs[1]].size() == 1)
        convs[op] = tile;
  }
  return convs;
}

bool tileFitsRegisters(const ScheduleConfig& config, const TargetDesc& desc) {
  const auto vectors = config.params.find("vectors"), pixels = config.params.find("pixels");
  if (vectors == config.params.end() || pixels == config.params.end()) return true;
  return vectors->second * pixels->second + vectors->second + 1 <= desc.vector_registers;
}

TemplateSpace describeSchedule(const BlockPipeline& block, const ir::Graph& graph, const TargetDesc& desc,
                               const Halide::Target& target) {
  const BlockAnalysis analysis = analyzeBlock(block, graph);
  const ScheduleTemplate& chosen = templateFor(analysis, target);
  return {chosen.defaultConfig(analysis, desc), chosen.space(analysis, desc)};
}

ScheduleConfig scheduleBlock(BlockPipeline& block, const ir::Graph& graph, int block_id,
                             const TargetDesc& desc, const Halide::Target& target,
                             const ScheduleOptions& options) {
  if (options.kind == ScheduleKind::Auto) {
    if (target.has_gpu_feature())
      fail("Halide 14's autoschedulers have no GPU schedules; compile for {} with --schedule default",
           target.to_string());
    return autoSchedule(block, desc, target);
  }
  const BlockAnalysis analysis = analyzeBlock(block, graph);
  const ScheduleTemplate& chosen = templateFor(analysis, target);
  ScheduleConfig config = chosen.defaultConfig(analysis, desc);
  if (auto given = options.overrides.find(block_id); given != options.overrides.end()) {
    checkConfigInSpace(given->second, chosen.name(), chosen.space(analysis, desc), block_id);
    config = given->second;
  } else if (auto tuned = options.tuned.find(block_id); tuned != options.tuned.end()) {
    if (configOutsideSpace(tuned->second, chosen.name(), chosen.space(analysis, desc)).empty())
      config = tuned->second;
  }
  chosen.apply(block, analysis, config, desc);
  return config;
}

}  // namespace kiln::codegen
