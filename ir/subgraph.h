// A set of a graph's ops as a graph of their own: what a fusion candidate would be if it were compiled alone.
//
// The values the ops read from outside become the new graph's inputs (constants stay constants, with their
// data), and the values they define that something outside reads (or the graph returns) become its outputs.
// Names are positional (in0, in1, ..., then the ops' own fresh names) and source locations are dropped, so
// the same block taken from two models, or twice from one, prints as the same text: printGraph of the result
// is a signature of the block's computation, weights' values elided.
#pragma once

#include <vector>

#include "ir/graph.h"

namespace kiln::ir {

// `ops`: indices into graph.ops(), in graph order. Throws kiln::Error when they are not (an index out of
// range or repeated, or an op read before it is defined).
Graph extractOps(const Graph& graph, const UseIndex& uses, const std::vector<int>& ops);

}  // namespace kiln::ir
