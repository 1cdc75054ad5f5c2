#include "runtime/manifest.h"

#include <fstream>
#include <utility>

#include <nlohmann/json.hpp>

#include "runtime/artifact_checksums.h"
#include "runtime/artifact_format.h"
#include "runtime/error.h"
#include "runtime/manifest_check.h"

namespace kiln::runtime {
namespace {

// An integer field that fits T. nlohmann-json's get<T>() converts a float or an out-of-range number with a
// plain cast, which is undefined for 1e30 (fuzz/manifest_fuzzer found it).
template <typename T>
T integer(const nlohmann::json& value, const char* field) {
  if (value.is_number_unsigned() && std::in_range<T>(value.get<uint64_t>()))
    return static_cast<T>(value.get<uint64_t>());
  if (value.is_number_integer() && !value.is_number_unsigned() && std::in_range<T>(value.get<int64_t>()))
    return static_cast<T>(value.get<int64_t>());
  throw Error(std::string("field '") + field + "' must be an integer in range, not " + value.dump());
}

template <typename T>
T field(const nlohmann::json& object, const char* key) {
  return integer<T>(object.at(key), key);
}

template <typename T>
std::vector<T> integers(const nlohmann::json& object, const char* key) {
  std::vector<T> values;
  for (const nlohmann::json& element : object.at(key)) values.push_back(integer<T>(element, key));
  return values;
}

ValueRole parseRole(const std::string& role) {
  if (role == "input") return ValueRole::Input;
  if (role == "output") return ValueRole::Output;
  if (role == "weight") return ValueRole::Weight;
  if (role == "activation") return ValueRole::Activation;
  throw Error("unknown value role '" + role + "'");
}

ValueInfo parseValue(const nlohmann::json& v) {
  ValueInfo value;
  value.id = field<int>(v, "id");
  value.name = v.at("name").get<std::string>();
  value.role = parseRole(v.at("role").get<std::string>());
  const std::optional<ElementType> dtype = elementTypeNamed(v.at("dtype").get<std::string>());
  if (!dtype) throw Error("value " + value.name + " has unknown dtype " + v.at("dtype").dump());
  value.dtype = *dtype;
  value.shape = integers<int64_t>(v, "shape");
  value.extents = integers<int64_t>(v, "extents");
  value.positions = integers<int>(v, "positions");
  value.layout = v.at("layout").get<std::string>();
  value.bytes = field<int64_t>(v, "bytes");
  if (value.role == ValueRole::Weight) value.offset = field<uint64_t>(v, "offset");
  return value;
}

BlockInfo parseBlock(const nlohmann::json& b) {
  BlockInfo block;
  block.id = field<int>(b, "id");
  block.function = b.at("function").get<std::string>();
  block.arguments = integers<int>(b, "arguments");
  block.outputs = integers<int>(b, "outputs");
  for (const auto& op : b.at("ops")) {
    block.ops.push_back(op.at("kind").get<std::string>());
    block.op_indices.push_back(field<int>(op, "index"));
  }
  block.mapping = b.at("mapping").get<std::string>();
  block.flops = field<int64_t>(b, "flops");
  block.traffic_bytes = field<int64_t>(b, "traffic_bytes");
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

// nlohmann-json's message without its tag: "[json.exception.out_of_range.403] key 'id' not found" -> "key
// 'id' not found".
std::string withoutJsonTag(const nlohmann::json::exception& e) {
  const std::string text = e.what();
  const size_t tag_end = text.find("] ");
  return tag_end == std::string::npos ? text : text.substr(tag_end + 2);
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
  m.weights_bytes = field<uint64_t>(j.at("weights"), "bytes");
  m.weights_checksum = parseChecksum(j.at("weights").at("checksum").get<std::string>());
  m.inputs = integers<int>(j, "inputs");
  m.outputs = integers<int>(j, "outputs");
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
  } catch (const nlohmann::json::parse_error& e) {
    throw Error("not JSON: " + withoutJsonTag(e));
  } catch (const nlohmann::json::exception& e) {
    throw Error("a field is missing or of the wrong type: " + withoutJsonTag(e));
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
