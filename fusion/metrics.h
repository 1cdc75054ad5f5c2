// The figures a person judges a fusion plan by, per block and per model. The definitions below are also
// printed in every report (metricDefinitions), so a number never appears without its meaning.
#pragma once

#include <string>
#include <vector>

#include "fusion/cost_model.h"
#include "fusion/plan.h"

namespace kiln::fusion {

// Where a block sits on the machine's roofline: its arithmetic intensity against the ridge point
// (peak FLOP/s / bandwidth). Within a factor of two of the ridge either limit may dominate.
enum class BoundClass { Memory, Balanced, Compute };
const char* boundClassName(BoundClass bound);  // "memory-bound", "balanced", "compute-bound"
BoundClass classify(double intensity, const Machine& machine);

struct BlockMetrics {
  int block = 0;
  std::string pattern;  // its op kinds in order, joined by '+'
  int ops = 0;
  int64_t flops = 0;
  int64_t input_bytes = 0, weight_bytes = 0, output_bytes = 0;
  int64_t traffic_bytes = 0;   // input + weight + output
  int64_t internal_bytes = 0;  // values that never leave the block
  int64_t unfused_bytes = 0;   // the traffic of the same ops run one at a time
  double intensity = 0.0;      // flops / traffic_bytes
  BoundClass bound = BoundClass::Memory;
  RooflineEstimate estimate;
};

struct PatternCount {
  std::string pattern;
  int blocks = 0;
  int ops = 0;
  int64_t traffic_bytes = 0;
  int64_t internal_bytes = 0;
};

struct PlanMetrics {
  std::string strategy;
  Machine machine;  // the roofline the plan was priced with
  int ops = 0;
  int blocks = 0;
  int single_op_blocks = 0;
  double block_coverage = 0.0;  // share of blocks holding more than one op
  double op_coverage = 0.0;     // share of ops inside blocks of more than one op
  double ops_per_block = 0.0;
  int64_t flops = 0;
  int64_t traffic_bytes = 0;
  int64_t internal_bytes = 0;
  int64_t unfused_bytes = 0;       // the traffic of strategy none
  double traffic_reduction = 0.0;  // 1 - traffic / unfused
  double intensity = 0.0;
  double estimated_seconds = 0.0;  // sum of the blocks' roofline estimates
  int bound_counts[3] = {0, 0, 0};
  std::vector<BlockMetrics> per_block;
  std::vector<PatternCount> patterns;  // most frequent first
};

PlanMetrics computeMetrics(const ir::Graph& graph, const Plan& plan, const Machine& machine);

// The kinds of `ops` (indices into graph.ops()) in order, joined by '+': "conv2d+add+relu".
std::string patternOf(const ir::Graph& graph, const std::vector<int>& ops);

// One line per metric: name and definition, as printed in the reports.
const std::vector<std::pair<std::string, std::string>>& metricDefinitions();

}  // namespace kiln::fusion
