// Graph-to-graph passes that bring an imported graph into canonical form before fusion.
//
// Each pass is a plain function that rewrites the graph in place and returns how many ops it changed, so that
// `kiln inspect` can report what happened. `canonicalize` runs them in the order the rest of the compiler
// expects: identities and dropout removed, batch norm folded into the preceding conv, constant subgraphs
// evaluated, dead code removed, and the result verified.
#pragma once

#include <string>
#include <vector>

#include "ir/graph.h"

namespace kiln::ir {

// Removes ops whose outputs nothing reads (transitively), and constants no op reads.
int eliminateDeadCode(Graph& graph);
// Removes `identity` and `dropout` ops (inference), forwarding their input to their users.
int removeIdentities(Graph& graph);
// conv2d -> batch_norm, with constant conv weights and bn parameters and no other reader of the conv output,
// becomes one conv2d with scaled weights and a new bias.
int foldBatchNorm(Graph& graph);
// Evaluates every op whose inputs are all constants and whose kind can be folded, replacing it by a constant.
int foldConstants(Graph& graph);

struct PassReport {
  std::string pass;
  int changed;
};

// The canonical pipeline; verifies the graph after every pass (kiln::Error naming the pass on failure).
std::vector<PassReport> canonicalize(Graph& graph);

}  // namespace kiln::ir
