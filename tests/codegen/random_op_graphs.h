// The per-op differential sweep, shared by the CPU targets (op_lowering_test.cpp) and CUDA (tests/gpu): every
// op kind of the registry, lowered alone (strategy none) over randomized shapes and attributes — odd sizes,
// strides, padding, dilation, groups, broadcasting — compared with ATen through the reference executor.
#pragma once

#include <string>
#include <vector>

#include "ir/graph.h"

namespace kiln::testing {

constexpr int kInstancesPerKind = 6;

// A graph of kInstancesPerKind independent random instances of `kind`; invalid random draws are redrawn.
ir::Graph randomInstances(const std::string& kind, uint32_t seed);
bool hasRandomGenerator(const std::string& kind);
std::vector<std::string> allKinds();

// Compiles the random instances of `kind` for each target, runs them where each runs (in this process or
// under qemu-aarch64) and expects every output within 2e-5 of ATen's, relative to its scale.
void expectKindMatchesATen(const std::string& kind, const std::vector<std::string>& targets);

// Folds the random instances of `kind` (OpDef::fold, what constant folding runs) and expects every output
// within 2e-5 of ATen's; skips kinds that do not fold.
void expectFoldMatchesATen(const std::string& kind);

}  // namespace kiln::testing
