// The targets kiln compiles for, by the names users type, and the Halide target strings they stand for.
//
// Names are spelled out in full because Halide's short forms mislead: "x86-64-linux-avx2-avx512" is Haswell
// with AVX-512F bolted on, and gets 8-wide vectors (shared notes, halide14.md). "host" is this machine;
// "arm64" is 64-bit ARM Linux with NEON, cross-compiled and linked with Debian's g++-aarch64-linux-gnu;
// "cuda" is this machine's CPU plus CUDA kernels for compute capability 8.0 (PTX, JIT-compiled by the driver
// on newer GPUs).
#pragma once

#include <string>
#include <vector>

#include <Halide.h>

namespace kiln::codegen {

struct TargetInfo {
  std::string name;       // what the user typed: "host", "x86-64-avx512", "arm64", ...
  Halide::Target halide;  // the full target, without no_runtime
};

// kiln::Error listing the known names for anything else that is not a valid Halide target string either.
TargetInfo resolveTarget(const std::string& name);
std::vector<std::string> knownTargetNames();

// Whether code for `a` runs where code for `b` does (same architecture, bit width and OS), and on this
// machine's CPU.
bool sameMachine(const Halide::Target& a, const Halide::Target& b);
bool runsOnHost(const Halide::Target& target);

// The C++ compiler and archiver that link objects for `target`, what to install when they are missing, and
// the command that runs a program built for `target` here (empty on this machine's own architecture).
struct Toolchain {
  std::string cxx, ar, package;
  std::vector<std::string> emulator;  // e.g. qemu-aarch64 with Debian's aarch64 libraries
  std::string emulator_package;
};
Toolchain toolchainFor(const Halide::Target& target);

}  // namespace kiln::codegen
