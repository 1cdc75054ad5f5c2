// Standalone Halide runtimes kept between compiles. Every artifact links one runtime for its target, and
// compiling it (Halide::compile_standalone_runtime: all of the runtime's modules through LLVM) takes most of
// a second of a core: as long as a small model's blocks, and paid again by every compile of every model. A
// runtime depends only on the Halide target and on the libHalide that compiles it, so one is kept per pair,
// in a file named by both; an artifact that links a kept runtime is byte-identical to one that compiled its
// own. Nothing is ever evicted: a runtime is a few hundred kilobytes per target and libHalide build.
#pragma once

#include <filesystem>

#include <Halide.h>

namespace kiln::codegen {

// Where the runtime for `target` is kept in `directory`, whether or not it is there yet.
std::filesystem::path keptRuntimePath(const std::filesystem::path& directory, const Halide::Target& target);

// Copies a freshly compiled runtime to `kept` through a temporary file renamed into place, so that a compile
// running beside this one never links a half-written copy. A cache that cannot be written (read-only, full)
// is skipped silently: the compile that asked has its runtime already.
void keepRuntime(const std::filesystem::path& object, const std::filesystem::path& kept);

}  // namespace kiln::codegen
