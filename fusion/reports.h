// The reports of a partition: text for a terminal, JSON for other tools, Graphviz DOT for the block graph and
// a self-contained HTML page that puts the rendered graph beside the tables. All of them present the same
// PlanMetrics; the JSON schema is documented in fusion/README.md and versioned by "schema".
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fusion/metrics.h"
#include "fusion/plan.h"

namespace kiln::fusion {

// One model partitioned by one or more strategies.
struct PartitionReport {
  const ir::Graph& graph;
  std::string model;  // the file it came from
  Machine machine;
  std::vector<Plan> plans;
  std::vector<PlanMetrics> metrics;  // one per plan
};

// The seed tool's side-by-side view: the graph's ops on the left, boxed blocks with their metrics on the
// right.
struct SideBySideRange {
  int start = 0;       // first op index shown
  int end = -1;        // one past the last op shown; -1: to the end
  int max_nodes = 40;  // at most this many ops; 0: no limit
};

inline constexpr int kJsonSchemaVersion = 1;

std::string textSummary(const PartitionReport& report, size_t plan);  // totals, blocks, boundaries, patterns
std::string sideBySide(const PartitionReport& report, size_t plan, const SideBySideRange& range);
std::string compareTable(const PartitionReport& report);  // every plan, one column each
std::string definitionsText();
nlohmann::json jsonReport(const PartitionReport& report);
// A plan's totals, under one key set wherever they are written (the JSON report, an artifact's manifest).
nlohmann::json planSummaryJson(const PlanMetrics& metrics);
// The roofline a plan was priced with, written and read back under one key set (so a tool can rebuild an
// artifact's blocks as its plan formed them). machineFromJson throws kiln::Error for a missing field.
nlohmann::json machineJson(const Machine& machine);
Machine machineFromJson(const nlohmann::json& j);
std::string dotGraph(const PartitionReport& report,
                     size_t plan);  // blocks as clusters coloured by bound class
// `svgs`: one rendering of dotGraph per plan (Graphviz output), embedded as is.
std::string htmlReport(const PartitionReport& report, const std::vector<std::string>& svgs);

}  // namespace kiln::fusion
