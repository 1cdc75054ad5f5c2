#include "codegen/schedule_config.h"

#include <algorithm>
#include <fstream>

#include "ir/error.h"

namespace kiln::codegen {

int ScheduleConfig::get(const std::string& key) const {
  auto it = params.find(key);
  if (it == params.end()) fail("schedule template '{}' has no parameter '{}'", template_name, key);
  return it->second;
}

nlohmann::json ScheduleConfig::toJson() const {
  return {{"template", template_name}, {"params", params}};
}

std::string ScheduleConfig::toString() const {
  std::vector<std::string> parts;
  for (const auto& [key, value] : params) parts.push_back(fmt::format("{}={}", key, value));
  return fmt::format("{}({})", template_name, fmt::join(parts, " "));
}

ScheduleConfig ScheduleConfig::fromJson(const nlohmann::json& json) {
  ScheduleConfig config;
  config.template_name = json.at("template").get<std::string>();
  config.params = json.at("params").get<std::map<std::string, int>>();
  return config;
}

ScheduleOverrides readScheduleOverrides(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) fail("cannot read the schedule configs {}: no such file", path.string());
  ScheduleOverrides overrides;
  try {
    const nlohmann::json json = nlohmann::json::parse(in);
    if (json.contains("blocks") && json.at("blocks").is_array()) {
      for (const nlohmann::json& block : json.at("blocks"))
        overrides[block.at("id").get<int>()] = ScheduleConfig::fromJson(block.at("schedule"));
    } else {
      for (const auto& [id, config] : json.items())
        overrides[std::stoi(id)] = ScheduleConfig::fromJson(config);
    }
  } catch (const std::exception& e) {
    fail(
        "malformed schedule configs {}: {}; give an artifact's manifest.json or an object "
        "{{\"<block id>\": {{\"template\": \"dense_conv\", \"params\": {{...}}}}}}",
        path.string(), e.what());
  }
  return overrides;
}

std::string configOutsideSpace(const ScheduleConfig& config, const std::string& template_name,
                               const ParamSpace& space) {
  if (config.template_name != template_name)
    return fmt::format("schedule config names template '{}', but this block is scheduled by '{}'",
                       config.template_name, template_name);
  for (const auto& [key, values] : space) {
    auto it = config.params.find(key);
    if (it == config.params.end())
      return fmt::format("schedule config for '{}' lacks parameter '{}' (one of {})", template_name, key,
                         fmt::join(values, ", "));
    if (std::find(values.begin(), values.end(), it->second) == values.end())
      return fmt::format("{}={} is outside template '{}''s space for this block; use one of {}", key,
                         it->second, template_name, fmt::join(values, ", "));
  }
  for (const auto& [key, value] : config.params)
    if (!space.count(key)) return fmt::format("template '{}' has no parameter '{}'", template_name, key);
  return "";
}

void checkConfigInSpace(const ScheduleConfig& config, const std::string& template_name,
                        const ParamSpace& space, int block) {
  const std::string why = configOutsideSpace(config, template_name, space);
  if (!why.empty()) fail("block {}: {}", block, why);
}

}  // namespace kiln::codegen
