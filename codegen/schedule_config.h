// A schedule is a value: the template that scheduled a block and the parameters it used.
//
// Every block's (template, config) is recorded in the artifact's manifest and printed by `kiln compile -v`;
// `kiln compile --schedule-config FILE` replays or overrides them (FILE is such a manifest, or a JSON object
// mapping block ids to configs), which is what a search over the templates' spaces builds on.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace kiln::codegen {

struct ScheduleConfig {
  std::string template_name;
  std::map<std::string, int> params;

  int get(const std::string& key) const;  // kiln::Error naming the template if it has no such parameter
  nlohmann::json toJson() const;          // {"template": name, "params": {...}}
  std::string toString() const;           // "dense_conv(pixels=5 split=0 strip_rows=8 vectors=4)"
  static ScheduleConfig fromJson(const nlohmann::json& json);
  bool operator==(const ScheduleConfig&) const = default;
};

// A template's declared space: every parameter and the values it may take for one block.
using ParamSpace = std::map<std::string, std::vector<int>>;

// Configs chosen by hand, per block id.
using ScheduleOverrides = std::map<int, ScheduleConfig>;

// Reads overrides from a JSON file: an artifact's manifest.json (each block's "schedule" entry) or an object
// {"<block id>": {"template": ..., "params": {...}}}. kiln::Error naming the file and what is wrong.
ScheduleOverrides readScheduleOverrides(const std::filesystem::path& path);

// Why `config` does not name `template_name` and every parameter of `space` with one of its values, or "" if
// it does.
std::string configOutsideSpace(const ScheduleConfig& config, const std::string& template_name,
                               const ParamSpace& space);

// kiln::Error naming the block when configOutsideSpace says why.
void checkConfigInSpace(const ScheduleConfig& config, const std::string& template_name,
                        const ParamSpace& space, int block);

}  // namespace kiln::codegen
