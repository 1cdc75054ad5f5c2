// The partitioning strategies. Each turns a canonical graph into a Plan; all keep the invariants checkPlan
// states. `none` is the unfused reference every metric compares against, `pattern` is the seed tool's
// baseline, `dnnfusion` is kiln's plan (see dnnfusion.cpp for the algorithm).
#pragma once

#include <string>
#include <vector>

#include "fusion/cost_model.h"
#include "fusion/plan.h"

namespace kiln::fusion {

struct PartitionOptions {
  Machine machine;
  int max_block_ops = 64;  // constraint: bounds a block's pipeline (and its compile time)
  // Prices dnnfusion's profit decisions; null: the roofline for `machine`. Not owned.
  const LatencyModel* latency = nullptr;
};

Plan partitionNone(const ir::Graph& graph, const PartitionOptions& options);
Plan partitionPattern(const ir::Graph& graph, const PartitionOptions& options);
Plan partitionDnnFusion(const ir::Graph& graph, const PartitionOptions& options, const LatencyModel& latency);

const std::vector<std::string>& strategyNames();  // none, pattern, dnnfusion
// Runs the named strategy (dnnfusion with options.latency, or the roofline for options.machine); kiln::Error
// for an unknown name.
Plan partition(const ir::Graph& graph, const std::string& strategy, const PartitionOptions& options);

}  // namespace kiln::fusion
