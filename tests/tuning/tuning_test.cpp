// The tuning layer: the SQLite database of block times (keys, reopening, two writers at once, a file that is
// not one), a block timed alone through the runtime, fusion planned from measurements that are taken once
// and then read back, and the check of a plan's fused blocks against their ops apart.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <thread>

#include "fusion/plan.h"
#include "fusion/strategies.h"
#include "ir/error.h"
#include "ir/files.h"
#include "ir/parser.h"
#include "tuning/fused_block_check.h"
#include "tuning/measured_latency_model.h"

namespace kiln::tuning {
namespace {

// A depthwise conv streamed into a pointwise conv, then a global pool: two "decide by profit" pairs.
const char* kSeparable = R"(graph g(%x: f32[1,32,20,20]) {
    %wd: f32[32,1,3,3] = constant splat<0.1>
    %wp: f32[16,32,1,1] = constant splat<0.1>
    %d: f32[1,32,20,20] = conv2d(%x, %wd) {padding=[1,1], groups=32}
    %r: f32[1,32,20,20] = hardtanh(%d) {min_val=0.0, max_val=6.0}
    %p: f32[1,16,20,20] = conv2d(%r, %wp)
    %o: f32[1,16,1,1] = adaptive_avg_pool2d(%p) {output_size=[1,1]}
    return %o
  })";

TimingKey key(const std::string& signature, int threads = 2) {
  return {signature, "x86-64-linux", "test machine", threads};
}

TEST(TimingDatabase, FindsARowByEveryPartOfItsKeyAndKeepsItOnDisk) {
  TempDirectory dir("tuning");
  const auto path = dir.path() / "tuning.db";
  {
    TimingDatabase db(path);
    EXPECT_FALSE(db.find(key("a")));
    db.store(key("a"), {1e-3, 0.9e-3, 1.2e-3, 15});
    db.store(key("a"), {2e-3, 1.9e-3, 2.2e-3, 15});  // replaces
    EXPECT_FALSE(db.find(key("a", 1))) << "another thread count is another row";
    EXPECT_FALSE(db.find(key("b")));
  }
  TimingDatabase reopened(path);
  const auto found = reopened.find(key("a"));
  ASSERT_TRUE(found);
  EXPECT_EQ(found->median_seconds, 2e-3);
  EXPECT_EQ(found->p90_seconds, 2.2e-3);
  EXPECT_EQ(found->runs, 15);
}

TEST(TimingDatabase, TwoWritersAtOnceLoseNothing) {
  TempDirectory dir("tuning");
  const auto path = dir.path() / "tuning.db";
  const auto writer = [&](const char* prefix) {
    TimingDatabase db(path);
    for (int i = 0; i < 100; ++i) db.store(key(fmt::format("{}{}", prefix, i)), {i * 1e-6, 0, 0, 1});
  };
  std::thread a(writer, "a"), b(writer, "b");
  a.join();
  b.join();
  TimingDatabase db(path);
  for (int i = 0; i < 100; ++i)
    for (const char* prefix : {"a", "b"}) EXPECT_TRUE(db.find(key(fmt::format("{}{}", prefix, i))));
}

TEST(TimingDatabase, NamesAFileThatIsNotADatabase) {
  TempFile file(".db");
  writeFile(file.path(), std::string(4096, 'x'));
  try {
    TimingDatabase db(file.path());
    FAIL() << "opened a file of x's";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(file.path().string()), std::string::npos) << e.what();
  }
}

TEST(BlockTimer, TimesABlockCompiledAloneThroughTheRuntime) {
  const ir::Graph graph = ir::parseGraph(kSeparable);
  TimerOptions options;
  options.runs = 5;
  const BlockTiming timing = timeAsOneBlock(graph, options);
  EXPECT_EQ(timing.runs, 5);
  EXPECT_GT(timing.median_seconds, 0);
  EXPECT_LE(timing.p10_seconds, timing.median_seconds);
  EXPECT_LE(timing.median_seconds, timing.p90_seconds);
}

TEST(BlockTimer, TimesTheLaunchOfABlockWithNoWork) {
  TimerOptions options;
  options.threads = 2;
  options.runs = 20;
  const BlockTiming launch = timeBlockLaunch(options);
  EXPECT_GT(launch.median_seconds, 0);
  EXPECT_LT(launch.median_seconds, 1e-3) << "a relu of 32 values";
}

MeasuredLatencyOptions measuring() {
  MeasuredLatencyOptions options;
  options.timer.runs = 3;
  options.timer.warmup = 1;
  options.machine = "test machine";
  return options;
}

std::string allVerdicts(const fusion::Plan& plan) {
  std::string text;
  for (const fusion::Block& block : plan.blocks)
    for (const std::string& note : block.notes) text += note + "\n";
  for (const fusion::Boundary& boundary : plan.boundaries) text += boundary.stop.reason + "\n";
  return text;
}

TEST(MeasuredLatency, PlansFromMeasurementsTakenOnceAndThenReadBack) {
  const ir::Graph graph = ir::parseGraph(kSeparable);
  TempDirectory dir("tuning");
  TimingDatabase db(dir.path() / "tuning.db");
  fusion::PartitionOptions options;

  MeasuredLatencyModel first(db, measuring());
  options.latency = &first;
  const fusion::Plan measured = fusion::partition(graph, "dnnfusion", options);
  EXPECT_GT(first.counts().measured, 0);
  EXPECT_EQ(first.counts().cached, 0);
  EXPECT_EQ(first.counts().estimated, 0);
  EXPECT_NE(allVerdicts(measured).find("measured "), std::string::npos) << allVerdicts(measured);

  MeasuredLatencyModel second(db, measuring());
  options.latency = &second;
  const fusion::Plan again = fusion::partition(graph, "dnnfusion", options);
  EXPECT_EQ(second.counts().measured, 0);
  EXPECT_EQ(second.counts().cached, first.counts().measured);
  EXPECT_EQ(again.block_of_op, measured.block_of_op);
}

TEST(FusedBlockCheck, TimesEachFusedBlockAgainstItsOpsApartInsideTheirModels) {
  const ir::Graph graph = ir::parseGraph(kSeparable);
  fusion::Grouping fused, apart;
  fused.group_of_op = {0, 0, 0, 1};  // depthwise + hardtanh + pointwise, then the pool alone
  apart.group_of_op = {0, 1, 2, 3};
  const fusion::Plan plan = fusion::buildPlan(graph, "test", fused, fusion::Machine{});
  FusionCheckOptions options;
  options.rounds = 3;
  std::vector<std::string> progress;
  options.progress = [&](const std::string& line) { progress.push_back(line); };
  const std::vector<FusedBlockCheck> checks =
      checkFusedBlocks(graph, plan, fusion::buildPlan(graph, "none", apart, fusion::Machine{}), options);
  ASSERT_EQ(checks.size(), 1u);
  EXPECT_EQ(checks[0].block, 0);
  EXPECT_EQ(checks[0].pattern, "conv2d+hardtanh+conv2d");
  EXPECT_GT(checks[0].fused_seconds, 0);
  EXPECT_GT(checks[0].apart_seconds, 0);
  ASSERT_EQ(progress.size(), 3u) << "two compiles, then the timing";
  EXPECT_NE(progress[2].find("3 rounds"), std::string::npos) << progress[2];

  FusedBlockCheck slow = checks[0];
  slow.fused_seconds = slow.apart_seconds * 1.2;
  EXPECT_NE(fusedBlockTable({slow}, 0.1).find("SLOWER FUSED"), std::string::npos);
  EXPECT_EQ(fusedBlockTable({slow}, 0.25).find("SLOWER FUSED"), std::string::npos);
}

TEST(FusedBlockCheck, RefusesAPlanToCheckAgainstThatFusesOps) {
  const ir::Graph graph = ir::parseGraph(kSeparable);
  fusion::Grouping fused;
  fused.group_of_op = {0, 0, 0, 1};
  const fusion::Plan plan = fusion::buildPlan(graph, "test", fused, fusion::Machine{});
  EXPECT_THROW(checkFusedBlocks(graph, plan, plan, FusionCheckOptions{}), Error);
}

TEST(MeasuredLatency, PricesABlockThatCannotRunAloneByTheRoofline) {
  ir::Graph graph("constant_only");
  const ir::ValueId c = graph.addConstant("c", ir::Tensor::filled({4, 4}, 1.0f));
  graph.setOutputs({graph.addOp1("relu", {c})});
  const ir::UseIndex uses(graph);
  TempDirectory dir("tuning");
  TimingDatabase db(dir.path() / "tuning.db");
  MeasuredLatencyModel model(db, measuring());
  const fusion::BlockLatency latency = model.blockLatency(graph, uses, {0});
  EXPECT_FALSE(latency.measured);
  EXPECT_EQ(latency.seconds, fusion::RooflineModel(fusion::Machine{}).blockLatency(graph, uses, {0}).seconds);
  EXPECT_EQ(model.counts().estimated, 1);
}

TEST(MeasuredLatency, RefusesATargetThatDoesNotRunHere) {
  TempDirectory dir("tuning");
  TimingDatabase db(dir.path() / "tuning.db");
  MeasuredLatencyOptions options = measuring();
  options.timer.target = "arm64";
  EXPECT_THROW(MeasuredLatencyModel(db, options), Error);
}

}  // namespace
}  // namespace kiln::tuning
