// What a set of ops reads and writes when it runs as one block: the values it takes from outside (activations
// and weights), the values it hands out, the values that stay inside, and its FLOPs.
//
// This is the single definition of "memory traffic" in kiln. A block touches memory for each distinct value
// it reads from outside and each value it produces that someone outside reads (or the graph returns); a value
// produced and consumed only inside the block never reaches memory. An op alone is the block of one op, so
// the traffic of the unfused graph is the sum of its ops' footprints.
#pragma once

#include <cstdint>
#include <vector>

#include "ir/graph.h"

namespace kiln::fusion {

struct Footprint {
  std::vector<ir::ValueId> inputs;     // activations from outside: graph inputs or other blocks' outputs
  std::vector<ir::ValueId> weights;    // constants
  std::vector<ir::ValueId> outputs;    // read outside the block or returned by the graph
  std::vector<ir::ValueId> internals;  // produced and consumed only inside the block
  int64_t flops = 0;
  int64_t input_bytes = 0;
  int64_t weight_bytes = 0;
  int64_t output_bytes = 0;
  int64_t internal_bytes = 0;

  int64_t trafficBytes() const { return input_bytes + weight_bytes + output_bytes; }
};

// `ops` are indices into graph.ops(); `in_block` has one entry per op of the graph, true for members.
Footprint measureBlock(const ir::Graph& graph, const ir::UseIndex& uses, const std::vector<int>& ops,
                       const std::vector<bool>& in_block);

// measureBlock for callers that hold only the op list.
Footprint measureBlock(const ir::Graph& graph, const ir::UseIndex& uses, const std::vector<int>& ops);

}  // namespace kiln::fusion
