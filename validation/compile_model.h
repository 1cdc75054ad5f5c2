// The compile driver: a TorchScript file in, an artifact directory out. Import, the canonical IR passes, the
// fusion plan and codegen, in the order `kiln compile`, `kiln validate` and the tests all need them.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "codegen/compiler.h"
#include "frontend/torchscript_importer.h"
#include "fusion/strategies.h"
#include "ir/graph.h"
#include "runtime/memory_limit.h"

namespace kiln::validation {

struct ModelCompileOptions {
  frontend::ImportOptions inputs;  // empty: the shapes and dtypes stored in the model file
  std::string strategy = "dnnfusion";
  fusion::PartitionOptions partition;
  codegen::CompileOptions codegen;  // model_name empty: derived from the file name
  // When set, the configs `kiln tune` chose for the plan's blocks (tuning/tuner.h's tunedConfigs), which
  // become codegen.schedule.tuned once the plan is made.
  std::function<codegen::ScheduleOverrides(const ir::Graph&, const fusion::Plan&)> tuned_configs;
  // The memory the model may need where it will run; empty: runtime::memoryLimit(), this machine's.
  std::optional<runtime::MemoryLimit> memory_limit;
};

// The canonical IR of a model, as compiled.
ir::Graph importCanonical(const std::filesystem::path& model, const frontend::ImportOptions& inputs);

// "resnet18_traced.pt" -> "resnet18_traced": the file's stem with other characters replaced by '_'.
std::string modelNameFromPath(const std::filesystem::path& model);

codegen::ArtifactSummary compileModel(const std::filesystem::path& model, const ModelCompileOptions& options,
                                      const std::filesystem::path& artifact_dir);

}  // namespace kiln::validation
