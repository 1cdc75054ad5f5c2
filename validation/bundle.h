// Bundle mode (`kiln compile --bundle`): a compiled artifact turned into one static library that a program
// links without kiln's runtime, in the manner of Glow's bundles. lib<model>_bundle.a holds every block, the
// Halide runtime and an entry point
//
//   int <model>_run(const void* weights, const void* const* inputs, void* const* outputs,
//                   void* workspace, size_t workspace_bytes);
//
// that calls the blocks in order on buffers laid out at compile time: no dlopen, no manifest, no heap.
// Activations live in the caller's workspace at the offsets the runtime would give them (the same
// planActivations), and Halide's own scratch memory (halide_malloc) is a stack in the rest of the workspace.
// How much scratch a run needs is measured by running the bundle once on its target (natively, or under
// qemu-aarch64) and written into <model>_bundle.h with the weights, activation and workspace sizes. Parallel
// loops run on the calling thread: one run at a time per process.
#pragma once

#include <cstdint>
#include <filesystem>

#include <Halide.h>

namespace kiln::validation {

struct BundleOptions {
  bool embed_weights = false;  // link <model>.weights into the library; else the caller passes its bytes
};

struct BundleSummary {
  std::filesystem::path library, header;
  int64_t weights_bytes = 0, activation_bytes = 0, scratch_bytes = 0, workspace_bytes = 0;
};

// Throws kiln::Error unless a bundle can be made for `target` (a CPU target): checked before compiling.
void checkBundleTarget(const Halide::Target& target);

// Writes lib<model>_bundle.a and <model>_bundle.h into the artifact directory `artifact_dir` (a CPU target's,
// as `kiln compile` wrote it) and updates its checksums. Throws kiln::Error when the target is a GPU, when
// the toolchain is missing or when the measuring run fails.
BundleSummary writeBundle(const std::filesystem::path& artifact_dir, const BundleOptions& options);

}  // namespace kiln::validation
