#include "codegen/target.h"

#include <map>

#include "ir/error.h"

namespace kiln::codegen {
namespace {

const std::map<std::string, std::string>& namedTargets() {
  static const std::map<std::string, std::string> targets = {
      {"x86-64-avx2", "x86-64-linux-sse41-avx-avx2-fma-f16c"},
      {"x86-64-avx512", "x86-64-linux-sse41-avx-avx2-fma-f16c-avx512-avx512_skylake"},
      {"arm64", "arm-64-linux"},
      {"arm64-dotprod", "arm-64-linux-arm_dot_prod"},
  };
  return targets;
}

Halide::Target hostCuda() {
  return Halide::get_host_target()
      .with_feature(Halide::Target::CUDA)
      .with_feature(Halide::Target::CUDACapability80);
}

}  // namespace

std::vector<std::string> knownTargetNames() {
  std::vector<std::string> names{"host", "cuda"};
  for (const auto& [name, halide] : namedTargets()) names.push_back(name);
  return names;
}

TargetInfo resolveTarget(const std::string& name) {
  if (name == "host") return {name, Halide::get_host_target()};
  if (name == "cuda") return {name, hostCuda()};
  auto it = namedTargets().find(name);
  if (it != namedTargets().end()) return {name, Halide::Target(it->second)};
  if (Halide::Target::validate_target_string(name)) return {name, Halide::Target(name)};
  fail("unknown target '{}'; use one of {} or a full Halide target string such as {}", name,
       fmt::join(knownTargetNames(), ", "), namedTargets().at("x86-64-avx2"));
}

bool sameMachine(const Halide::Target& a, const Halide::Target& b) {
  return a.arch == b.arch && a.bits == b.bits && a.os == b.os;
}

bool runsOnHost(const Halide::Target& target) {
  return sameMachine(target, Halide::get_host_target());
}

Toolchain toolchainFor(const Halide::Target& target) {
  if (runsOnHost(target)) return {"c++", "ar", "g++ and binutils", {}, ""};
  if (sameMachine(target, resolveTarget("arm64").halide))
    return {"aarch64-linux-gnu-g++",
            "aarch64-linux-gnu-ar",
            "g++-aarch64-linux-gnu",
            {"qemu-aarch64", "-L", "/usr/aarch64-linux-gnu"},  // Debian's aarch64 libc and libstdc++
            "qemu-user"};
  fail("kiln cannot link code for {} on this machine; it links for this machine, arm64 and cuda",
       target.to_string());
}

}  // namespace kiln::codegen
