// The JSON report. Schema (version kJsonSchemaVersion) documented in fusion/README.md.
#include <fmt/format.h>

#include "fusion/mapping_table.h"
#include "fusion/reports.h"
#include "ir/error.h"
#include "ir/summary.h"

namespace kiln::fusion {

namespace {

nlohmann::json names(const ir::Graph& graph, const std::vector<ir::ValueId>& ids) {
  nlohmann::json list = nlohmann::json::array();
  for (ir::ValueId id : ids) list.push_back(graph.value(id).name);
  return list;
}

nlohmann::json opsJson(const ir::Graph& graph) {
  nlohmann::json ops = nlohmann::json::array();
  for (size_t i = 0; i < graph.ops().size(); ++i) {
    const ir::Op& op = graph.ops()[i];
    ops.push_back({{"index", i},
                   {"kind", op.kind},
                   {"mapping", shortMappingName(ir::mappingOf(graph, op))},
                   {"inputs", names(graph, op.inputs)},
                   {"outputs", names(graph, op.outputs)},
                   {"shape", graph.type(op.outputs[0]).shape},
                   {"flops", ir::opCost(graph, op).flops},
                   {"source", op.location}});
  }
  return ops;
}

}  // namespace

nlohmann::json planSummaryJson(const PlanMetrics& m) {
  return {{"ops", m.ops},
          {"blocks", m.blocks},
          {"single_op_blocks", m.single_op_blocks},
          {"block_coverage", m.block_coverage},
          {"op_coverage", m.op_coverage},
          {"ops_per_block", m.ops_per_block},
          {"flops", m.flops},
          {"traffic_bytes", m.traffic_bytes},
          {"internal_bytes", m.internal_bytes},
          {"unfused_traffic_bytes", m.unfused_bytes},
          {"traffic_reduction", m.traffic_reduction},
          {"intensity", m.intensity},
          {"estimated_seconds", m.estimated_seconds},
          {"bound_counts",
           {{boundClassName(BoundClass::Memory), m.bound_counts[0]},
            {boundClassName(BoundClass::Balanced), m.bound_counts[1]},
            {boundClassName(BoundClass::Compute), m.bound_counts[2]}}}};
}

namespace {

// Internal value name -> where it lives; "kept" lists the cheap ops' values given storage (residency.h).
nlohmann::json residencyJson(const ir::Graph& graph, const Residencies& residency) {
  nlohmann::json where = nlohmann::json::object();
  for (const auto& [value, residence] : residency.where)
    where[graph.value(value).name] = residencyName(residence);
  return {{"where", where},
          {"kept", names(graph, std::vector<ir::ValueId>(residency.kept.begin(), residency.kept.end()))}};
}

nlohmann::json blockJson(const ir::Graph& graph, const Block& block, const BlockMetrics& b) {
  const Footprint& f = block.footprint;
  return {{"id", block.id},
          {"ops", block.ops},
          {"pattern", b.pattern},
          {"mapping", shortMappingName(block.mapping)},
          {"inputs", names(graph, f.inputs)},
          {"weights", names(graph, f.weights)},
          {"outputs", names(graph, f.outputs)},
          {"internals", names(graph, f.internals)},
          {"residency", residencyJson(graph, block.residency)},
          {"flops", b.flops},
          {"input_bytes", b.input_bytes},
          {"weight_bytes", b.weight_bytes},
          {"output_bytes", b.output_bytes},
          {"traffic_bytes", b.traffic_bytes},
          {"internal_bytes", b.internal_bytes},
          {"unfused_traffic_bytes", b.unfused_bytes},
          {"intensity", b.intensity},
          {"bound", boundClassName(b.bound)},
          {"estimate",
           {{"seconds", b.estimate.seconds},
            {"recompute_flops", b.estimate.recompute_flops},
            {"strip_rows", b.estimate.strip_rows},
            {"strip_bytes", b.estimate.strip_bytes},
            {"streamed_flops", b.estimate.streamed_flops},
            {"parallel_efficiency", b.estimate.parallel_efficiency}}},
          {"notes", block.notes}};
}

nlohmann::json planJson(const ir::Graph& graph, const Plan& plan, const PlanMetrics& m) {
  nlohmann::json j = {{"strategy", plan.strategy}, {"summary", planSummaryJson(m)}};
  j["blocks"] = nlohmann::json::array();
  for (const Block& block : plan.blocks)
    j["blocks"].push_back(blockJson(graph, block, m.per_block[block.id]));
  j["boundaries"] = nlohmann::json::array();
  for (const Boundary& b : plan.boundaries)
    j["boundaries"].push_back({{"value", graph.value(b.value).name},
                               {"producer_op", b.producer_op},
                               {"consumer_op", b.consumer_op},
                               {"from_block", b.from_block},
                               {"to_block", b.to_block},
                               {"kind", stopKindName(b.stop.kind)},
                               {"reason", b.stop.reason}});
  j["patterns"] = nlohmann::json::array();
  for (const PatternCount& p : m.patterns)
    j["patterns"].push_back({{"pattern", p.pattern},
                             {"blocks", p.blocks},
                             {"ops", p.ops},
                             {"traffic_bytes", p.traffic_bytes},
                             {"internal_bytes", p.internal_bytes}});
  return j;
}

}  // namespace

nlohmann::json machineJson(const Machine& machine) {
  return {{"peak_flops", machine.peak_flops},
          {"bandwidth", machine.bandwidth},
          {"ridge_flops_per_byte", machine.ridgeFlopsPerByte()},
          {"launch_seconds", machine.launch_seconds},
          {"threads", machine.threads},
          {"stage_bytes", machine.stage_bytes},
          {"strip_rows", machine.strip_rows},
          {"l2_bytes", machine.l2_bytes}};
}

Machine machineFromJson(const nlohmann::json& j) {
  Machine machine;
  try {
    machine.peak_flops = j.at("peak_flops").get<double>();
    machine.bandwidth = j.at("bandwidth").get<double>();
    machine.launch_seconds = j.at("launch_seconds").get<double>();
    machine.threads = j.at("threads").get<int>();
    machine.stage_bytes = j.at("stage_bytes").get<int64_t>();
    machine.strip_rows = j.at("strip_rows").get<int64_t>();
    // Plans written before strips were priced against L2 were made for the default.
    machine.l2_bytes = j.value("l2_bytes", Machine{}.l2_bytes);
  } catch (const nlohmann::json::exception& e) {
    throw Error(
        fmt::format("a plan's machine is missing a field or has one of the wrong type: {}", e.what()));
  }
  return machine;
}

nlohmann::json jsonReport(const PartitionReport& report) {
  const Machine& machine = report.machine;
  nlohmann::json j = {{"schema", kJsonSchemaVersion},
                      {"kind", "kiln.partition"},
                      {"model", report.model},
                      {"graph", report.graph.name()},
                      {"machine", machineJson(machine)}};
  for (const auto& [name, meaning] : metricDefinitions()) j["definitions"][name] = meaning;
  j["ops"] = opsJson(report.graph);
  j["plans"] = nlohmann::json::array();
  for (size_t i = 0; i < report.plans.size(); ++i)
    j["plans"].push_back(planJson(report.graph, report.plans[i], report.metrics[i]));
  return j;
}

}  // namespace kiln::fusion
