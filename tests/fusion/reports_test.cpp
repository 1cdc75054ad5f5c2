// The reports agree with the plan they describe: the JSON schema's fields, one DOT cluster per block, the
// side-by-side range, the definitions printed with the numbers, and HTML that embeds its data safely.
#include <gtest/gtest.h>

#include "fusion/reports.h"
#include "fusion/strategies.h"
#include "ir/error.h"
#include "ir/parser.h"

namespace kiln::fusion {
namespace {

int occurrences(const std::string& text, const std::string& needle) {
  int n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

class Reports : public ::testing::Test {
 protected:
  Reports()
      : graph_(ir::parseGraph(R"(graph g(%x: f32[1,16,20,20]) {
          %w: f32[16,16,3,3] = constant splat<0.1>
          %w1: f32[4,16,1,1] = constant splat<0.1>
          %w2: f32[16,4,1,1] = constant splat<0.1>
          %c: f32[1,16,20,20] = conv2d(%x, %w) {padding=[1,1]} loc("model.py:7")
          %r: f32[1,16,20,20] = relu(%c)
          %p: f32[1,16,1,1] = adaptive_avg_pool2d(%r) {output_size=[1,1]}
          %s1: f32[1,4,1,1] = conv2d(%p, %w1)
          %a: f32[1,4,1,1] = relu(%s1)
          %s2: f32[1,16,1,1] = conv2d(%a, %w2)
          %g: f32[1,16,1,1] = sigmoid(%s2)
          %y: f32[1,16,20,20] = mul(%r, %g)
          %o: f32[1,16,20,20] = add(%y, %x)
          return %o
        })")),
        report_{graph_, "test.pt", Machine{}, {}, {}} {
    for (const std::string& strategy : strategyNames()) {
      report_.plans.push_back(partition(graph_, strategy, {}));
      report_.metrics.push_back(computeMetrics(graph_, report_.plans.back(), report_.machine));
    }
  }
  ir::Graph graph_;
  PartitionReport report_;
};

TEST_F(Reports, JsonFollowsTheDocumentedSchema) {
  nlohmann::json j = jsonReport(report_);
  EXPECT_EQ(j["schema"], kJsonSchemaVersion);
  EXPECT_EQ(j["ops"].size(), graph_.ops().size());
  EXPECT_EQ(j["ops"][0]["source"], "model.py:7");
  ASSERT_EQ(j["plans"].size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    const auto& plan = j["plans"][i];
    EXPECT_EQ(plan["summary"]["blocks"], report_.plans[i].blocks.size());
    EXPECT_EQ(plan["blocks"].size(), report_.plans[i].blocks.size());
    EXPECT_EQ(plan["boundaries"].size(), report_.plans[i].boundaries.size());
    for (const char* key :
         {"id", "ops", "pattern", "mapping", "inputs", "weights", "outputs", "internals", "residency",
          "flops", "traffic_bytes", "internal_bytes", "intensity", "bound", "estimate", "notes"})
      EXPECT_TRUE(plan["blocks"][0].contains(key)) << key;
    for (const auto& block : plan["blocks"])  // every internal value has a residency, and only those
      EXPECT_EQ(block["residency"]["where"].size(), block["internals"].size());
    for (const auto& b : plan["boundaries"]) EXPECT_FALSE(b["reason"].get<std::string>().empty());
  }
  for (const auto& [name, meaning] : metricDefinitions()) EXPECT_TRUE(j["definitions"].contains(name));
}

TEST_F(Reports, DotDrawsOneClusterPerBlock) {
  for (size_t i = 0; i < report_.plans.size(); ++i) {
    std::string dot = dotGraph(report_, i);
    EXPECT_EQ(occurrences(dot, "subgraph cluster_"), static_cast<int>(report_.plans[i].blocks.size()));
    EXPECT_EQ(occurrences(dot, "style=dashed"), static_cast<int>(report_.plans[i].boundaries.size()));
  }
}

TEST_F(Reports, TextShowsTheRangeAskedForAndTheDefinitions) {
  std::string view = sideBySide(report_, 2, {.start = 2, .end = 5, .max_nodes = 0});
  EXPECT_NE(view.find("   2. adaptive_avg_pool2d"), std::string::npos);
  EXPECT_NE(view.find(" (cached)"), std::string::npos);  // the pooled value, inside its block
  EXPECT_EQ(view.find("   1. relu"), std::string::npos);
  EXPECT_EQ(view.find("   5. "), std::string::npos);
  std::string limited = sideBySide(report_, 0, {.start = 0, .end = -1, .max_nodes = 2});
  EXPECT_EQ(occurrences(limited, "┌─ block"), 2);
  EXPECT_NE(textSummary(report_, 2).find("Boundaries"), std::string::npos);
  EXPECT_NE(compareTable(report_).find("dnnfusion"), std::string::npos);
  EXPECT_NE(definitionsText().find("arithmetic intensity"), std::string::npos);
}

TEST_F(Reports, HtmlEmbedsItsDataWithoutEndingTheScriptEarly) {
  std::string html =
      htmlReport(report_, {"<?xml version=\"1.0\"?><svg id=\"s0\"></svg>", "<svg></svg>", "<svg></svg>"});
  EXPECT_EQ(html.find("<?xml"), std::string::npos);
  EXPECT_NE(html.find("<svg id=\"s0\">"), std::string::npos);
  size_t data = html.find("id=\"kiln-report\">");
  ASSERT_NE(data, std::string::npos);
  size_t end = html.find("</script>", data);
  nlohmann::json j = nlohmann::json::parse(html.substr(data + 17, end - data - 17));
  EXPECT_EQ(j["plans"].size(), 3u);
}

// An artifact's manifest records the machine its plan was priced with, and tools read it back to rebuild the
// same blocks.
TEST(MachineJson, ReadsBackWhatItWroteAndNamesAMissingField) {
  Machine machine;
  machine.peak_flops = 123e9;
  machine.bandwidth = 17e9;
  machine.launch_seconds = 3e-6;
  machine.threads = 4;
  machine.stage_bytes = 16384;
  machine.strip_rows = 5;
  const Machine read = machineFromJson(machineJson(machine));
  EXPECT_EQ(read.peak_flops, machine.peak_flops);
  EXPECT_EQ(read.bandwidth, machine.bandwidth);
  EXPECT_EQ(read.launch_seconds, machine.launch_seconds);
  EXPECT_EQ(read.threads, machine.threads);
  EXPECT_EQ(read.stage_bytes, machine.stage_bytes);
  EXPECT_EQ(read.strip_rows, machine.strip_rows);
  nlohmann::json incomplete = machineJson(machine);
  incomplete.erase("bandwidth");
  EXPECT_THROW(machineFromJson(incomplete), kiln::Error);
}

}  // namespace
}  // namespace kiln::fusion
