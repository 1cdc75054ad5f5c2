#include "validation/compile_model.h"

#include <cctype>

#include "frontend/torchscript_importer.h"
#include "fusion/metrics.h"
#include "ir/passes/passes.h"

namespace kiln::validation {

ir::Graph importCanonical(const std::filesystem::path& model, const std::vector<ir::Shape>& input_shapes) {
  ir::Graph graph = frontend::importTorchScript(model.string(), frontend::ImportOptions{input_shapes});
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
  const ir::Graph graph = importCanonical(model, options.input_shapes);
  const fusion::Plan plan = fusion::partition(graph, options.strategy, options.partition);
  const fusion::PlanMetrics metrics = fusion::computeMetrics(graph, plan, options.partition.machine);
  codegen::CompileOptions codegen = options.codegen;
  if (codegen.model_name.empty()) codegen.model_name = modelNameFromPath(model);
  return codegen::compileArtifact(graph, plan, metrics, codegen, artifact_dir);
}

}  // namespace kiln::validation
