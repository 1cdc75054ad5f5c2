// The runtime's distrust of a manifest. checksums.xxh128 catches an artifact damaged after `kiln compile`;
// these checks catch a manifest that is consistent with its checksum but not with itself (a buggy writer, a
// hand edit re-sealed), before any block runs, because the blocks' code trusts what the runtime passes:
// a buffer smaller than the manifest says is read past its end, and a block left out gives a wrong answer
// with no error at all.
//
// checkManifest: every value id resolves and its role agrees with the model's input and output lists; a
// value's extents, shape and byte size agree and fit Halide's 32-bit extents and strides; inputs and outputs
// hold no padding (the caller's memory is passed as is); every weight lies inside the weights
// data; blocks write only activations and outputs, each exactly once, and read only what an earlier block
// wrote; every model output is written.
#pragma once

#include "runtime/manifest.h"

namespace kiln::runtime {

// Throws runtime::Error naming the value, block or list and what is wrong with it.
void checkManifest(const Manifest& manifest);

}  // namespace kiln::runtime
