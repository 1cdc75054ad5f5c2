// Where each value inside a block lives while the block runs — the fact that decides whether an "internal"
// value really stays off memory, and what keeping it off costs.
//
//  - Cached: small enough (Machine::stage_bytes) to be computed once and held whole in cache.
//  - Streamed: every reader inside the block reads it strip by strip (elementwise, or a conv/pool sliding
//    down its rows), so it is produced strip by strip inside the readers' loop (Halide's compute_at); a
//    window reader makes neighbouring strips overlap, which recomputes the overlap.
//  - Inlined: a cheap op (not many-to-many) whose value some reader needs whole; it is recomputed inside each
//    reader instead of stored.
//  - Materialized: a many-to-many op's value that some reader needs whole: it must be computed in full and
//    written to memory, exactly as if the block were cut there. The dnnfusion strategy never forms such
//    blocks; the cost model charges the round trip when another strategy does.
// A value is "needed whole" by a reader that does not read it strip by strip, or through a cheap reader that
// is itself needed whole (inlining passes the need on to its inputs).
#pragma once

#include <map>
#include <vector>

#include "fusion/cost_model.h"

namespace kiln::fusion {

enum class Residency { Cached, Streamed, Inlined, Materialized };
const char* residencyName(Residency residency);

// The residency of every internal value of the block `ops` (graph order), keyed by value.
std::map<ir::ValueId, Residency> classifyInternals(const ir::Graph& graph, const ir::UseIndex& uses,
                                                   const std::vector<int>& ops, const Machine& machine);

}  // namespace kiln::fusion
