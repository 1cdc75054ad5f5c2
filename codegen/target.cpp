#include "codegen/target.h"

#include <map>

#include "ir/error.h"

namespace kiln::codegen {
namespace {

const std::map<std::string, std::string>& namedTargets() {
  static const std::map<std::string, std::string> targets = {
      {"x86-64-avx2", "x86-64-linux-sse41-avx-avx2-fma-f16c"},
      {"x86-64-avx512", "x86-64-linux-sse41-avx-avx2-fma-f16c-avx512-avx512_skylake"},
  };
  return targets;
}

}  // namespace

std::vector<std::string> knownTargetNames() {
  std::vector<std::string> names{"host"};
  for (const auto& [name, halide] : namedTargets()) names.push_back(name);
  return names;
}

TargetInfo resolveTarget(const std::string& name) {
  if (name == "host") return {name, Halide::get_host_target()};
  auto it = namedTargets().find(name);
  if (it != namedTargets().end()) return {name, Halide::Target(it->second)};
  if (Halide::Target::validate_target_string(name)) return {name, Halide::Target(name)};
  fail("unknown target '{}'; use one of {} or a full Halide target string such as {}", name,
       fmt::join(knownTargetNames(), ", "), namedTargets().at("x86-64-avx2"));
}

}  // namespace kiln::codegen
