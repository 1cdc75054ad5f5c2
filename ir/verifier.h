// The IR verifier: checks the invariants every stage may rely on.
//
//  - every op kind is registered, has an allowed number of inputs and attributes matching its schema;
//  - single assignment: every value is defined exactly once (input, constant or one op's output);
//  - every op input is defined before the op (so the op list is an execution order and the graph is acyclic);
//  - recorded output types equal what shape inference computes now; constants match their value's type;
//  - the graph has outputs and each is defined.
#pragma once

#include <string>
#include <vector>

#include "ir/graph.h"

namespace kiln::ir {

// Every problem found, one line each; empty when the graph is well formed.
std::vector<std::string> verify(const Graph& graph);
// Throws kiln::Error listing the problems, prefixed by `context` (e.g. "after fold-batch-norm").
void verifyOrThrow(const Graph& graph, const std::string& context);

}  // namespace kiln::ir
