// Reads IR text (the format ir/printer.h writes) into a verified Graph, so tests and users can write graphs
// by hand. Constants are given as `dense<v, ...>` or `splat<v>`; `<elided>` data is refused.
#pragma once

#include <string_view>

#include "ir/graph.h"

namespace kiln::ir {

// Throws kiln::Error with the line and column of the first problem, or the verifier's findings.
Graph parseGraph(std::string_view text);

}  // namespace kiln::ir
