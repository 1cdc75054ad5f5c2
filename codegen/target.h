// The targets kiln compiles for, by the names users type, and the Halide target strings they stand for.
//
// Names are spelled out in full because Halide's short forms mislead: "x86-64-linux-avx2-avx512" is Haswell
// with AVX-512F bolted on, and gets 8-wide vectors (shared notes, halide14.md). "host" is this machine.
#pragma once

#include <string>
#include <vector>

#include <Halide.h>

namespace kiln::codegen {

struct TargetInfo {
  std::string name;       // what the user typed: "host", "x86-64-avx512", ...
  Halide::Target halide;  // the full target, without no_runtime
};

// kiln::Error listing the known names for anything else that is not a valid Halide target string either.
TargetInfo resolveTarget(const std::string& name);
std::vector<std::string> knownTargetNames();

}  // namespace kiln::codegen
