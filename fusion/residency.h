// Where each value inside a block lives while the block runs — the fact that decides whether an "internal"
// value really stays off memory, and what keeping it off costs. Fusion decides it once, while forming the
// block, and the plan carries it (Block::residency); codegen's placement reads it (codegen/placement.h).
//
//  - Streamed: every reader inside the block reads it strip by strip (elementwise, or a conv/pool sliding
//    down its rows) and is itself streamed or the block's output, so it is produced strip by strip inside
//    the output's row loop (Halide's compute_at); a window reader makes neighbouring strips overlap, which
//    recomputes the overlap. Also streamed: a value read only through one-to-one ops by one block output of
//    its shape (a sum of products and its epilogue), computed with that output's register tiles.
//  - Cached: some reader needs it whole, and it is small enough (Machine::stage_bytes) to be computed once
//    and held whole in cache.
//  - Inlined: a cheap op (not many-to-many) whose value some reader needs whole; it is recomputed inside each
//    reader instead of stored.
//  - Materialized: a many-to-many op's value that some reader needs whole: it must be computed in full and
//    written to memory, exactly as if the block were cut there. The dnnfusion strategy never forms such
//    blocks; the cost model charges the round trip when another strategy does.
// A value is "needed whole" by a reader that does not read it strip by strip, by a reader computed whole (a
// sum of products that is cached or materialized), or through a cheap reader that is itself needed whole
// (inlining passes the need on to its inputs). Strips are bands of rows of the block's one output, so a
// block with several outputs, a rank-4 model output (written in PyTorch's NCHW order) or an output without
// rows needs all its other internal values whole, as does a value without rows; a rank-4 model output's
// block has no register tiles either.
// A cheap op's value is recomputed wherever it is read (inlined into its readers' loops), unless rereading
// it costs more than keeping it (a costly elementwise value under a window or a sum of products, or broadcast
// by its reader, as squeeze-excitation's gate is; a concatenation under a sum of products): then it is
// "kept", and lives like a many-to-many op's value. An elementwise value is costly by the FLOPs of computing
// it with the elementwise ops inlined into it (a multiply by a silu is as costly as the silu).
#pragma once

#include <map>
#include <set>
#include <vector>

#include "fusion/cost_model.h"

namespace kiln::fusion {

enum class Residency { Cached, Streamed, Inlined, Materialized };
const char* residencyName(Residency residency);

using ResidencyMap = std::map<ir::ValueId, Residency>;

struct Residencies {
  ResidencyMap where;          // every internal value of the block
  std::set<ir::ValueId> kept;  // the cheap ops' values among them that get storage of their own
  bool operator==(const Residencies&) const = default;
};

// Whether an elementwise op alone costs enough per value to recompute it at every read (silu, sigmoid, gelu,
// hardswish; not relu, clamps or adds).
bool isCostlyElementwise(const ir::Graph& graph, const ir::Op& op);

// The residency of every internal value of the block `ops` (graph order).
Residencies classifyInternals(const ir::Graph& graph, const ir::UseIndex& uses, const std::vector<int>& ops,
                              const Machine& machine);

}  // namespace kiln::fusion
