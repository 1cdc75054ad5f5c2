// A fusion plan: the graph's ops partitioned into blocks, each of which codegen turns into one Halide
// pipeline, with what every block reads and writes and, for every edge between two blocks, why fusion
// stopped there.
//
// Strategies produce a Grouping (which group each op joined, the mapping type each group ended with, and the
// reasons they recorded while deciding). buildPlan turns it into a Plan: blocks numbered in a valid execution
// order, their footprints, and one Boundary per value edge that crosses blocks. checkPlan states the
// invariants every strategy must keep; the tests run it on the zoo and on thousands of random graphs.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "fusion/footprint.h"
#include "fusion/residency.h"
#include "ir/graph.h"

namespace kiln::fusion {

// Why two ops joined by a value ended up in different blocks.
enum class StopKind {
  Strategy,    // the strategy never fuses (none)
  Rule,        // a fixed rule: the mapping-type table, the pattern list, a fork or a join
  Constraint,  // fusing would break an invariant or a limit: a cycle in the block graph, the block size cap
  Cost,        // legal, but the cost model says it does not pay
  Claimed,     // the other op was already in another block when this one was formed
};
const char* stopKindName(StopKind kind);

struct Stop {
  StopKind kind;
  std::string reason;
};

// A decision worth showing inside a block: a pair fused because the cost model said it pays.
struct FusionNote {
  int producer_op;
  int consumer_op;
  std::string reason;
};

using OpEdge = std::pair<int, int>;  // (producer op, consumer op), indices into graph.ops()

struct Grouping {
  std::vector<int> group_of_op;                  // one group id per op, any numbering
  std::map<int, ir::MappingType> group_mapping;  // the fused mapping type; groups absent here use their ops'
  std::map<OpEdge, Stop> stops;                  // the first reason recorded for an edge that was not fused
  std::vector<FusionNote> notes;
};

struct Block {
  int id = 0;            // position in Plan::blocks, which is a valid execution order
  std::vector<int> ops;  // indices into graph.ops(), in graph order
  ir::MappingType mapping = ir::MappingType::OneToOne;
  Footprint footprint;
  Residencies residency;           // where each internal value lives while the block runs (residency.h)
  int64_t strip_rows = 1;          // output rows per strip, priced with the residency (cost_model.h)
  std::vector<std::string> notes;  // cost-model decisions that fused pairs inside this block
};

struct Boundary {
  ir::ValueId value;
  int producer_op;
  int consumer_op;
  int from_block;
  int to_block;
  Stop stop;
};

struct Plan {
  std::string strategy;
  std::vector<Block> blocks;
  std::vector<int> block_of_op;
  std::vector<Boundary> boundaries;  // ordered by consumer op, then producer op
};

// Numbers the groups in execution order, measures them and decides where their internal values live on
// `machine`. Throws kiln::Error if the groups cannot be ordered
// (the block graph has a cycle): that is a bug in the strategy, not in the model.
Plan buildPlan(const ir::Graph& graph, std::string strategy, const Grouping& grouping,
               const Machine& machine);

// The bytes a plan needs at least while it runs: its weights, and the most activation bytes (values passed
// between blocks, not the graph's outputs) alive at one block. An arena can share bytes between values alive
// at different times (runtime/arena.h), never between values alive at once.
struct MemoryNeed {
  int64_t weight_bytes = 0;
  int64_t peak_activation_bytes = 0;
};
MemoryNeed memoryNeed(const ir::Graph& graph, const Plan& plan);

// Every broken invariant as one line (empty when the plan is sound): each op in exactly one block, blocks
// non-empty and in an order where every block input is ready, footprints matching the blocks.
std::vector<std::string> checkPlan(const ir::Graph& graph, const Plan& plan);

}  // namespace kiln::fusion
