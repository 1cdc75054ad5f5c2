#include "runtime/manifest.h"

#include <fstream>

#include <nlohmann/json.hpp>

#include "runtime/artifact_format.h"
#include "runtime/error.h"

namespace kiln::runtime {
namespace {

ValueRole parseRole(const std::string& role) {
  if (role == "input") return ValueRole::Input;
  if (role == "output") return ValueRole::Output;
  if (role == "weight") return ValueRole::Weight;
  if (role == "activation") return ValueRole::Activation;
  throw Error("unknown value role '" + role + "'");
}

ValueInfo parseValue(const nlohmann::json& v) {
  ValueInfo value;
  value.id = v.at("id").get<int>();
  value.name = v.at("name").get<std::string>();
  value.role = parseRole(v.at("role").get<std::string>());
  const std::optional<ElementType> dtype = elementTypeNamed(v.at("dtype").get<std::string>());
  if (!dtype) throw Error("value " + value.name + " has unknown dtype " + v.at("dtype").dump());
  value.dtype = *dtype;
  value.shape = v.at("shape").get<std::vector<int64_t>>();
  value.extents = v.at("extents").get<std::vector<int64_t>>();
  value.positions = v.at("positions").get<std::vector<int>>();
  value.layout = v.at("layout").get<std::string>();
  value.bytes = v.at("bytes").get<int64_t>();
  if (value.role == ValueRole::Weight) value.offset = v.at("offset").get<uint64_t>();
  return value;
}

BlockInfo parseBlock(const nlohmann::json& b) {
  BlockInfo block;
  block.id = b.at("id").get<int>();
  block.function = b.at("function").get<std::string>();
  block.arguments = b.at("arguments").get<std::vector<int>>();
  block.outputs = b.at("outputs").get<std::vector<int>>();
  for (const auto& op : b.at("ops")) {
    block.ops.push_back(op.at("kind").get<std::string>());
    block.op_indices.push_back(op.at("index").get<int>());
  }
  block.mapping = b.at("mapping").get<std::string>();
  block.flops = b.at("flops").get<int64_t>();
  block.traffic_bytes = b.at("traffic_bytes").get<int64_t>();
  return block;
}

}  // namespace

std::string BlockInfo::pattern() const {
  std::string text;
  for (const std::string& op : ops) text += (text.empty() ? "" : "+") + op;
  return text;
}

Manifest readManifest(const std::filesystem::path& artifact_dir) {
  const std::filesystem::path path = artifact_dir / artifact::kManifestFile;
  if (!std::filesystem::is_directory(artifact_dir))
    throw Error("no artifact at " + artifact_dir.string() +
                ": not a directory; create one with `kiln compile`");
  std::ifstream in(path);
  if (!in) throw Error("cannot read " + path.string() + ": no such file; is this a `kiln compile` output?");
  try {
    const nlohmann::json j = nlohmann::json::parse(in);
    if (j.at("format") != "kiln-artifact" || j.at("version") != artifact::kFormatVersion)
      throw Error("unsupported format or version; recompile with this kiln");
    Manifest m;
    m.model = j.at("model").get<std::string>();
    m.library = artifact_dir / j.at("library").get<std::string>();
    m.halide_target = j.at("halide_target").get<std::string>();
    m.schedule = j.at("schedule").get<std::string>();
    m.strategy = j.at("plan").at("strategy").get<std::string>();
    m.weights_file = artifact_dir / j.at("weights").at("file").get<std::string>();
    m.weights_bytes = j.at("weights").at("bytes").get<uint64_t>();
    m.weights_checksum = std::stoull(j.at("weights").at("checksum").get<std::string>(), nullptr, 16);
    m.inputs = j.at("inputs").get<std::vector<int>>();
    m.outputs = j.at("outputs").get<std::vector<int>>();
    for (const auto& v : j.at("values")) {
      ValueInfo value = parseValue(v);
      m.values.emplace(value.id, std::move(value));
    }
    for (const auto& b : j.at("blocks")) m.blocks.push_back(parseBlock(b));
    return m;
  } catch (const std::exception& e) {
    throw Error("malformed " + path.string() + ": " + e.what());
  }
}

}  // namespace kiln::runtime
