#include "runtime/manifest.h"

#include <fstream>

#include <nlohmann/json.hpp>

#include "runtime/artifact_checksums.h"
#include "runtime/artifact_format.h"
#include "runtime/error.h"
#include "runtime/manifest_check.h"

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

uint64_t parseChecksum(const std::string& hex) {
  if (hex.empty() || hex.size() > 16 || hex.find_first_not_of("0123456789abcdef") != std::string::npos)
    throw Error("weights.checksum '" + hex + "' is not a 64-bit hex number");
  return std::stoull(hex, nullptr, 16);
}

std::string readText(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// The artifact's files as checksums.xxh128 recorded them when it was compiled.
std::map<std::string, std::string> readChecksums(const std::filesystem::path& artifact_dir) {
  const std::filesystem::path path = artifact_dir / artifact::kChecksumsFile;
  if (!std::filesystem::is_regular_file(path))
    throw Error(
        "cannot check " + artifact_dir.string() + ": " + artifact::kChecksumsFile +
        " is missing (the artifact is incomplete or from an older kiln); recompile it with `kiln compile`");
  std::optional<std::map<std::string, std::string>> digests = artifact::parseChecksums(readText(path));
  if (!digests)
    throw Error("malformed " + path.string() +
                ": each line must be a 32-digit XXH128 digest, two spaces and a "
                "file name; recompile the model with `kiln compile`");
  return *digests;
}

// The file is as `kiln compile` wrote it, or the artifact is refused before the file is parsed or loaded.
void checkDigest(const std::map<std::string, std::string>& digests, const std::filesystem::path& file) {
  const std::string name = file.filename().string();
  auto recorded = digests.find(name);
  if (recorded == digests.end())
    throw Error(file.string() + " is not listed in " + artifact::kChecksumsFile +
                "; recompile the model with `kiln compile`");
  if (!std::filesystem::is_regular_file(file))
    throw Error("cannot find " + file.string() +
                ": the artifact is incomplete; copy it again or recompile it");
  if (artifact::fileDigest(file) != recorded->second)
    throw Error(
        file.string() + " does not match its checksum in " + artifact::kChecksumsFile +
        ": it was changed or damaged after `kiln compile`; recompile the model or copy the artifact again");
}

// A file the manifest names inside its own directory, never elsewhere.
std::filesystem::path fileInArtifact(const std::filesystem::path& artifact_dir, const std::string& name,
                                     const char* field) {
  if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..")
    throw Error(std::string(field) + " '" + name + "' is not a file name in the artifact's directory");
  return artifact_dir / name;
}

Manifest manifestFromJson(const nlohmann::json& j, const std::filesystem::path& artifact_dir) {
  if (j.at("format") != "kiln-artifact" || j.at("version") != artifact::kFormatVersion)
    throw Error("unsupported format or version; recompile with this kiln");
  Manifest m;
  m.model = j.at("model").get<std::string>();
  m.library = fileInArtifact(artifact_dir, j.at("library").get<std::string>(), "library");
  m.halide_target = j.at("halide_target").get<std::string>();
  m.schedule = j.at("schedule").get<std::string>();
  m.strategy = j.at("plan").at("strategy").get<std::string>();
  m.weights_file =
      fileInArtifact(artifact_dir, j.at("weights").at("file").get<std::string>(), "weights.file");
  m.weights_bytes = j.at("weights").at("bytes").get<uint64_t>();
  m.weights_checksum = parseChecksum(j.at("weights").at("checksum").get<std::string>());
  m.inputs = j.at("inputs").get<std::vector<int>>();
  m.outputs = j.at("outputs").get<std::vector<int>>();
  for (const auto& v : j.at("values")) {
    ValueInfo value = parseValue(v);
    const int id = value.id;
    if (!m.values.emplace(id, std::move(value)).second)
      throw Error("value " + std::to_string(id) + " is listed twice");
  }
  for (const auto& b : j.at("blocks")) m.blocks.push_back(parseBlock(b));
  return m;
}

}  // namespace

std::string BlockInfo::pattern() const {
  std::string text;
  for (const std::string& op : ops) text += (text.empty() ? "" : "+") + op;
  return text;
}

Manifest parseManifest(const std::string& text, const std::filesystem::path& artifact_dir) {
  try {
    Manifest manifest = manifestFromJson(nlohmann::json::parse(text), artifact_dir);
    checkManifest(manifest);
    return manifest;
  } catch (const std::exception& e) {  // nlohmann-json's exceptions name the key or the parse position
    throw Error(e.what());
  }
}

Manifest readManifest(const std::filesystem::path& artifact_dir) {
  const std::filesystem::path path = artifact_dir / artifact::kManifestFile;
  if (!std::filesystem::is_directory(artifact_dir))
    throw Error("no artifact at " + artifact_dir.string() +
                ": not a directory; create one with `kiln compile`");
  if (!std::filesystem::is_regular_file(path))
    throw Error("cannot read " + path.string() + ": no such file; is this a `kiln compile` output?");
  const std::map<std::string, std::string> digests = readChecksums(artifact_dir);
  checkDigest(digests, path);
  Manifest manifest;
  try {
    manifest = parseManifest(readText(path), artifact_dir);
  } catch (const Error& e) {
    throw Error("malformed " + path.string() + ": " + e.what());
  }
  checkDigest(digests, manifest.library);
  return manifest;
}

}  // namespace kiln::runtime
