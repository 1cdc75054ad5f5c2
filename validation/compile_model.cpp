#include "validation/compile_model.h"

#include <cctype>

#include "frontend/torchscript_importer.h"
#include "fusion/metrics.h"
#include "ir/passes/passes.h"
#include "runtime/memory_limit.h"

namespace kiln::validation {

ir::Graph importCanonical(const std::filesystem::path& model, const frontend::ImportOptions& inputs) {
  ir::Graph graph = frontend::importTorchScript(model.string(), inputs);
  ir::canonicalize(graph);
  return graph;
}

std::string modelNameFromPath(const std::filesystem::path& model) {
  std::string name = model.stem().string();
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return name.empty() || std::isdigit(static_cast<unsigned char>(name[0])) ? "m" + name : name;
}

codegen::ArtifactSummary compileModel(const std::filesystem::path& model, const ModelCompileOptions& options,
                                      const std::filesystem::path& artifact_dir) {
  std::vector<codegen::PhaseTime> phases;
  codegen::PhaseTimer timer(phases);
  ir::Graph graph = frontend::importTorchScript(model.string(), options.inputs);
  timer.end("import");
  ir::canonicalize(graph);
  timer.end("passes");
  const fusion::Plan plan = fusion::partition(graph, options.strategy, options.partition);
  const fusion::PlanMetrics metrics = fusion::computeMetrics(graph, plan, options.partition.machine);
  timer.end("fusion");
  codegen::CompileOptions codegen = options.codegen;
  if (options.tuned_configs) codegen.schedule.tuned = options.tuned_configs(graph, plan);
  if (codegen.model_name.empty()) codegen.model_name = modelNameFromPath(model);
  const fusion::MemoryNeed need = fusion::memoryNeed(graph, plan);
  runtime::checkMemoryLimit(codegen.model_name, need.weight_bytes, need.peak_activation_bytes,
                            options.memory_limit.value_or(runtime::memoryLimit()), /*at_least=*/true);
  codegen::ArtifactSummary summary = codegen::compileArtifact(graph, plan, metrics, codegen, artifact_dir);
  summary.phases.insert(summary.phases.begin(), phases.begin(), phases.end());
  for (const codegen::PhaseTime& phase : phases) summary.seconds += phase.seconds;
  return summary;
}

}  // namespace kiln::validation
