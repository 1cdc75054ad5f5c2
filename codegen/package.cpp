#include "codegen/package.h"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <set>

#include "fusion/reports.h"
#include "ir/error.h"
#include "ir/files.h"
#include "ir/process.h"
#include "runtime/artifact_checksums.h"
#include "runtime/artifact_format.h"

namespace kiln::codegen {
namespace {

namespace fs = std::filesystem;

std::vector<ir::ValueId> allWeights(const fusion::Plan& plan) {
  std::set<ir::ValueId> weights;
  for (const fusion::Block& block : plan.blocks)
    weights.insert(block.footprint.weights.begin(), block.footprint.weights.end());
  return {weights.begin(), weights.end()};
}

// The manifest's spelling of an element type (the runtime's, runtime/element_type.h).
std::string manifestDtype(ir::DType dtype) {
  switch (dtype) {
    case ir::DType::Float32:
      return "float32";
    case ir::DType::Int64:
      return "int64";
    case ir::DType::Bool:
      return "bool";
    default:
      fail("an artifact holds float32, int64 and bool tensors, not {}", ir::dtypeName(dtype));
  }
}

nlohmann::json valueJson(const ManifestInput& in, ir::ValueId id, const std::string& role) {
  const ir::TensorType& type = in.graph.type(id);
  const Layout& layout = in.layouts.at(id);
  const std::vector<int64_t> extents = layout.halideExtents(type.shape);
  const int64_t bytes =
      std::accumulate(extents.begin(), extents.end(), ir::dtypeSize(type.dtype), std::multiplies<>());
  nlohmann::json value = {{"id", id},
                          {"name", in.graph.value(id).name},
                          {"role", role},
                          {"dtype", manifestDtype(type.dtype)},
                          {"shape", type.shape},
                          {"layout", layout.name},
                          {"extents", extents},
                          {"positions", layout.position},
                          {"bytes", bytes}};
  if (layout.blocked >= 0) value["blocked"] = {{"dimension", layout.blocked}, {"block", layout.block}};
  if (role == "weight") value["offset"] = in.weights.offset.at(id);
  return value;
}

std::string roleOf(const ManifestInput& in, ir::ValueId id) {
  if (in.graph.isConstant(id)) return "weight";
  const auto& inputs = in.graph.inputs();
  if (std::find(inputs.begin(), inputs.end(), id) != inputs.end()) return "input";
  const auto& outputs = in.graph.outputs();
  if (std::find(outputs.begin(), outputs.end(), id) != outputs.end()) return "output";
  return "activation";
}

nlohmann::json blockJson(const ManifestInput& in, const BlockPipeline& pipeline, const fusion::Block& block) {
  nlohmann::json ops = nlohmann::json::array();
  for (int op_index : block.ops) {
    const ir::Op& op = in.graph.ops()[op_index];
    nlohmann::json outputs = nlohmann::json::array();
    for (ir::ValueId id : op.outputs) outputs.push_back(in.graph.value(id).name);
    ops.push_back({{"index", op_index}, {"kind", op.kind}, {"outputs", outputs}, {"location", op.location}});
  }
  const fusion::BlockMetrics& m = in.metrics.per_block.at(block.id);
  nlohmann::json json = {{"id", block.id},
                         {"function", pipeline.function_name},
                         {"arguments", pipeline.arguments},
                         {"outputs", pipeline.outputs},
                         {"ops", ops},
                         {"mapping", ir::mappingTypeName(block.mapping)},
                         {"flops", m.flops},
                         {"traffic_bytes", m.traffic_bytes},
                         {"internal_bytes", m.internal_bytes},
                         {"schedule", pipeline.schedule.toJson()},
                         {"schedule_note", pipeline.schedule_note}};
  if (!pipeline.gpu_stages.empty()) {
    json["gpu_stages"] = pipeline.gpu_stages;
    json["kernels"] = pipeline.gpu_kernels;
  }
  return json;
}

// Values whose layout differs from PyTorch's contiguous one where a block reads or writes them. No separate
// conversion pass exists: the model's own inputs and outputs are row-major, and every other conversion
// happens inside a block's loads and stores.
nlohmann::json layoutSummary(const ManifestInput& in) {
  int converted = 0;
  for (const auto& [id, layout] : in.layouts)
    if (!(layout == rowMajor(layout.rank()))) ++converted;
  return {{"conversion_passes", 0},
          {"values_not_row_major", converted},
          {"model_inputs_outputs", "row-major (PyTorch contiguous)"},
          {"activations", "rank-4 values channels-innermost (NHWC)"},
          {"weights",
           "conv [O/v][KH][KW][I][v] and linear [O/v][I][v] panels of one vector v of output "
           "channels (HWIO / IO when v does not divide O), other row-major"}};
}

}  // namespace

std::string macroName(const std::string& text) {
  std::string macro;
  for (char c : text) macro += std::isalnum(static_cast<unsigned char>(c)) ? std::toupper(c) : '_';
  return macro;
}

WeightsLayout writeWeights(const fs::path& path, const ir::Graph& graph, const fusion::Plan& plan,
                           const ValueLayouts& layouts) {
  WeightsLayout result;
  std::string data;
  for (ir::ValueId id : allWeights(plan)) {
    const ir::Tensor& tensor = graph.constant(id);
    const std::vector<float> packed = toLayout(tensor.shape(), tensor.f32().data(), layouts.at(id));
    result.offset[id] = data.size();
    data.append(reinterpret_cast<const char*>(packed.data()), packed.size() * sizeof(float));
    data.resize(artifact::alignUp(data.size()), '\0');
  }
  result.data_bytes = data.size();
  result.checksum = artifact::weightsChecksum(data.data(), data.size());
  artifact::WeightsHeader header{};
  std::memcpy(header.magic, artifact::kWeightsMagic, sizeof(header.magic));
  header.version = artifact::kFormatVersion;
  header.alignment = artifact::kWeightsAlignment;
  header.data_offset = sizeof(header);
  header.data_bytes = data.size();
  header.checksum = result.checksum;
  writeFile(path, std::string(reinterpret_cast<const char*>(&header), sizeof(header)) + data);
  return result;
}

nlohmann::json buildManifest(const ManifestInput& in) {
  std::set<ir::ValueId> ids;
  for (const BlockPipeline& block : in.blocks) {
    ids.insert(block.arguments.begin(), block.arguments.end());
    ids.insert(block.outputs.begin(), block.outputs.end());
  }
  nlohmann::json values = nlohmann::json::array(), blocks = nlohmann::json::array();
  for (ir::ValueId id : ids) values.push_back(valueJson(in, id, roleOf(in, id)));
  for (size_t b = 0; b < in.blocks.size(); ++b)
    blocks.push_back(blockJson(in, in.blocks[b], in.plan.blocks[b]));
  const std::string& name = in.model_name;
  return {{"format", "kiln-artifact"},
          {"version", artifact::kFormatVersion},
          {"model", name},
          {"target", in.target_name},
          {"halide_target", in.halide_target},
          {"schedule", in.schedule},
          {"library", "lib" + name + ".so"},
          {"static_library", "lib" + name + ".a"},
          {"header", name + ".h"},
          {"weights",
           {{"file", name + ".weights"},
            {"bytes", in.weights.data_bytes},
            {"checksum", fmt::format("{:016x}", in.weights.checksum)}}},
          {"inputs", in.graph.inputs()},
          {"outputs", in.graph.outputs()},
          {"values", values},
          {"blocks", blocks},
          {"layouts", layoutSummary(in)},
          {"plan",
           {{"strategy", in.metrics.strategy},
            {"machine", fusion::machineJson(in.metrics.machine)},
            {"summary", fusion::planSummaryJson(in.metrics)}}}};
}

std::string headerText(const ManifestInput& in) {
  const std::string guard = "KILN_" + macroName(in.model_name) + "_H";
  std::string text = fmt::format(
      "// Generated by kiln for model '{}' (target {}, schedule {}). Do not edit.\n"
      "// Run it through the kiln runtime (<kiln/kiln_runtime.h>), which loads lib{}.so, the weights and "
      "the\n"
      "// manifest; the block entry points below are Halide pipelines taking halide_buffer_t arguments in "
      "the\n"
      "// order manifest.json lists (arguments, then outputs).\n"
      "#ifndef {}\n#define {}\n\n#ifdef __cplusplus\nextern \"C\" {{\n#endif\n\nstruct halide_buffer_t;\n\n",
      in.model_name, in.target_name, in.schedule, in.model_name, guard, guard);
  auto shapeMacros = [&](const char* role, const std::vector<ir::ValueId>& ids) {
    text += fmt::format("#define KILN_{}_NUM_{}S {}\n", macroName(in.model_name), role, ids.size());
    for (size_t i = 0; i < ids.size(); ++i) {
      const ir::Shape& shape = in.graph.type(ids[i]).shape;
      text += fmt::format("#define KILN_{}_{}{}_RANK {}\n#define KILN_{}_{}{}_SHAPE {{{}}}\n",
                          macroName(in.model_name), role, i, shape.size(), macroName(in.model_name), role, i,
                          fmt::join(shape, ", "));
    }
  };
  shapeMacros("INPUT", in.graph.inputs());
  shapeMacros("OUTPUT", in.graph.outputs());
  text += "\n";
  std::set<std::string> declared;  // identical blocks share a function
  for (const BlockPipeline& block : in.blocks) {
    if (!declared.insert(block.function_name).second) continue;
    std::vector<std::string> params;
    for (ir::ValueId id : block.arguments)
      params.push_back("struct halide_buffer_t *" + funcName(in.graph, id));
    for (ir::ValueId id : block.outputs)
      params.push_back("struct halide_buffer_t *" + funcName(in.graph, id) + "_out");
    text += fmt::format("int {}({});\n", block.function_name, fmt::join(params, ", "));
  }
  text += fmt::format("\n#ifdef __cplusplus\n}}  // extern \"C\"\n#endif\n\n#endif  // {}\n", guard);
  return text;
}

void linkLibraries(const std::vector<fs::path>& objects, const fs::path& shared_library,
                   const fs::path& static_library, const Toolchain& toolchain) {
  const fs::path version_script = shared_library.parent_path() / "objects" / "exports.map";
  writeFile(version_script, "{\n  global: kiln_*; halide_*;\n  local: *;\n};\n");
  std::vector<std::string> link{toolchain.cxx, "-shared", "-o", shared_library.string()};
  for (const fs::path& object : objects) link.push_back(object.string());
  for (const char* flag : {"-Wl,-Bsymbolic", "-lpthread", "-ldl", "-lm"}) link.push_back(flag);
  link.push_back("-Wl,--version-script=" + version_script.string());
  const std::string install = "install Debian's " + toolchain.package;
  runTool(link, "link " + shared_library.filename().string(), install);
  std::vector<std::string> archive{toolchain.ar, "rcsD", static_library.string()};
  for (const fs::path& object : objects) archive.push_back(object.string());
  runTool(archive, "archive " + static_library.filename().string(), install);
}

void writeChecksums(const fs::path& directory) {
  std::string unreadable;
  const std::optional<std::string> text = artifact::checksumsText(directory, unreadable);
  if (!text) fail("cannot read {} to record its checksum", (directory / unreadable).string());
  writeFile(directory / artifact::kChecksumsFile, *text);
}

}  // namespace kiln::codegen
