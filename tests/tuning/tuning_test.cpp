// The tuning layer: the SQLite database of block times (keys, reopening, two writers at once, a file that is
// not one, export and import between machines of a kind), a block timed alone through the runtime, fusion
// planned from measurements that are taken once and then read back, the check of a plan's fused blocks
// against their ops apart, and `kiln tune`'s search: one search per distinct block, its choice found again
// from another model's plan, a compile that uses it, and a worker job that times and stores on its own.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <algorithm>
#include <thread>

#include "codegen/compiler.h"
#include "codegen/target.h"
#include "fusion/metrics.h"
#include "fusion/plan.h"
#include "fusion/strategies.h"
#include "ir/error.h"
#include "ir/files.h"
#include "ir/parser.h"
#include "ir/printer.h"
#include "tuning/fused_block_check.h"
#include "tuning/measured_latency_model.h"
#include "tuning/tune_job.h"
#include "tuning/tuner.h"

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

TEST(TimingDatabase, ImportsRowsOfTheSameKindOfMachineAsMeasuredHere) {
  TempDirectory dir("tuning");
  const TimingKey there{"block", "x86-64-linux", "AMD EPYC x2 on host-a", 2, "{}"};
  const TimingKey elsewhere{"block", "x86-64-linux", "Intel Xeon x4 on host-c", 2, "{}"};
  {
    TimingDatabase db(dir.path() / "a.db");
    db.store(there, {1e-3, 1e-3, 1e-3, 10});
    db.storeTunedConfig(there, 1.2);
    db.store(elsewhere, {2e-3, 2e-3, 2e-3, 10});
    db.keepPlanFigures("AMD EPYC x2 on host-a", {200e9, 400e9, 30e9});
    EXPECT_EQ(db.exportRows("AMD EPYC x2 on host-a", dir.path() / "export.db"), 3)
        << "a time, a choice and the figures they were planned with";
  }
  TimingDatabase mixed(dir.path() / "mixed.db");  // the export and the other machine's row, together
  mixed.store(elsewhere, {2e-3, 2e-3, 2e-3, 10});
  mixed.importRows(dir.path() / "export.db", "AMD EPYC x2 on host-a");
  TimingDatabase here(dir.path() / "b.db");
  const TimingDatabase::ImportCounts counts =
      here.importRows(dir.path() / "mixed.db", "AMD EPYC x2 on host-b");
  EXPECT_EQ(counts.imported, 3);
  EXPECT_EQ(counts.other_machines, 1);
  TimingKey local = there;
  local.machine = "AMD EPYC x2 on host-b";
  ASSERT_TRUE(here.find(local));
  EXPECT_EQ(here.find(local)->median_seconds, 1e-3);
  EXPECT_EQ(here.tunedConfig(local), "{}");
  ASSERT_TRUE(here.planFigures(local.machine));
  EXPECT_EQ(here.planFigures(local.machine)->bandwidth, 30e9);
  EXPECT_THROW(here.importRows(dir.path() / "no_such.db", "x"), Error);
}

TEST(TimingDatabase, KeepsTheFirstPlanFiguresOfAMachine) {
  TempDirectory dir("tuning");
  TimingDatabase db(dir.path() / "tuning.db");
  EXPECT_FALSE(db.planFigures("AMD EPYC x2 on vm"));
  EXPECT_EQ(db.keepPlanFigures("AMD EPYC x2 on vm", {200e9, 400e9, 30e9}).bandwidth, 30e9);
  const PlanFigures later = db.keepPlanFigures("AMD EPYC x2 on vm", {210e9, 420e9, 65e9});
  EXPECT_EQ(later.bandwidth, 30e9) << "a later measurement does not replace what the tunes planned with";
  EXPECT_EQ(later.all_core_flops, 400e9);
  EXPECT_FALSE(db.planFigures("Intel Xeon x4 on host-c"));
}

// The same conv + relu twice (one search: the same signature), then a pool.
const char* kRepeated = R"(graph g(%x: f32[1,32,14,14]) {
    %w1: f32[32,32,3,3] = constant splat<0.01>
    %w2: f32[32,32,3,3] = constant splat<0.02>
    %c1: f32[1,32,14,14] = conv2d(%x, %w1) {padding=[1,1]}
    %r1: f32[1,32,14,14] = relu(%c1)
    %c2: f32[1,32,14,14] = conv2d(%r1, %w2) {padding=[1,1]}
    %r2: f32[1,32,14,14] = relu(%c2)
    %o: f32[1,32,1,1] = adaptive_avg_pool2d(%r2) {output_size=[1,1]}
    return %o
  })";

// Another model holding that block after an op of its own.
const char* kSameBlockElsewhere = R"(graph h(%x: f32[1,32,14,14]) {
    %w: f32[32,32,3,3] = constant splat<0.03>
    %s: f32[1,32,14,14] = sigmoid(%x)
    %c: f32[1,32,14,14] = conv2d(%s, %w) {padding=[1,1]}
    %r: f32[1,32,14,14] = relu(%c)
    return %r
  })";

fusion::Plan planOf(const ir::Graph& graph, std::vector<int> groups) {
  fusion::Grouping grouping;
  grouping.group_of_op = std::move(groups);
  return fusion::buildPlan(graph, "test", grouping, fusion::Machine{});
}

TuneOptions tuning(double budget) {
  TuneOptions options;
  options.timer.threads = 2;
  options.machine = "test machine";
  options.budget_seconds = budget;
  options.kiln = KILN_EXECUTABLE;
  return options;
}

std::string hostTarget() {
  return codegen::resolveTarget("host").halide.to_string();
}

TEST(Tuner, SearchesEachDistinctBlockOnceAndKeepsItsChoiceForEveryModelThatHasIt) {
  const ir::Graph graph = ir::parseGraph(kRepeated);
  const fusion::Plan plan = planOf(graph, {0, 0, 1, 1, 2});
  TempDirectory dir("tuning");
  TimingDatabase db(dir.path() / "tuning.db");
  std::vector<std::string> progress;
  TuneOptions options = tuning(40);
  options.progress = [&](const std::string& line) { progress.push_back(line); };
  const TuneReport report = tuneModel(graph, plan, db, options);

  ASSERT_EQ(report.blocks.size(), 2u) << "conv + relu twice, then the pool";
  const BlockTuning& conv = report.blocks[0];
  EXPECT_EQ(conv.pattern, "conv2d+relu");
  EXPECT_EQ(conv.blocks, (std::vector<int>{0, 1}));
  EXPECT_GT(conv.timed, 1) << "the default and at least one candidate";
  EXPECT_EQ(conv.default_config.template_name, "winograd");
  if (conv.outcome == "tuned")
    EXPECT_LT(conv.best_seconds, conv.default_seconds);
  else
    EXPECT_EQ(conv.best_config, conv.default_config) << conv.outcome;
  EXPECT_NE(tuneTable(report).find("conv2d+relu"), std::string::npos);
  EXPECT_FALSE(progress.empty());

  const codegen::ScheduleOverrides here = tunedConfigs(graph, plan, db, hostTarget(), "test machine", 2);
  ASSERT_EQ(here.count(0) + here.count(1), 2u);
  EXPECT_EQ(here.at(0), conv.best_config);
  EXPECT_EQ(here.at(1), conv.best_config);
  const ir::Graph other = ir::parseGraph(kSameBlockElsewhere);
  const codegen::ScheduleOverrides elsewhere =
      tunedConfigs(other, planOf(other, {0, 1, 1}), db, hostTarget(), "test machine", 2);
  ASSERT_EQ(elsewhere.size(), 1u) << "the sigmoid block was never tuned";
  EXPECT_EQ(elsewhere.at(1), conv.best_config);
  EXPECT_TRUE(tunedConfigs(graph, plan, db, hostTarget(), "another machine", 2).empty());

  // Found by pattern: the report sorts blocks by time, and the pool is searched now (and may sort first)
  // whenever the first tune's budget ran out before reaching it.
  const TuneReport again = tuneModel(graph, plan, db, tuning(40));
  const auto conv_again = std::find_if(again.blocks.begin(), again.blocks.end(),
                                       [](const BlockTuning& b) { return b.pattern == "conv2d+relu"; });
  ASSERT_NE(conv_again, again.blocks.end());
  EXPECT_EQ(conv_again->outcome, "decided earlier");
  EXPECT_EQ(conv_again->timed, 0);
  EXPECT_EQ(conv_again->best_config, conv.best_config);
  EXPECT_GT(conv_again->default_seconds, 0) << "the report shows the times the first tune measured";
  EXPECT_GT(conv_again->best_seconds, 0);
}

TEST(Tuner, ACompileUsesTheChosenConfigsWhereTheyFitTheBlock) {
  const ir::Graph graph = ir::parseGraph(kRepeated);
  const fusion::Plan plan = planOf(graph, {0, 0, 1, 1, 2});
  codegen::CompileOptions compile;
  compile.model_name = "tuned";
  const codegen::ScheduleChoice choice = codegen::scheduleChoices(graph, plan, compile).at(0);
  ASSERT_EQ(choice.templates.size(), 2u) << "a Winograd conv, and the direct conv";
  const codegen::ScheduleConfig winograd = choice.byDefault().default_config;
  EXPECT_EQ(winograd.template_name, "winograd");
  codegen::ScheduleConfig direct = choice.templates[1].default_config;
  EXPECT_EQ(direct.template_name, "dense_conv");
  direct.params["pixels"] = direct.get("pixels") == 1 ? 2 : 1;
  codegen::ScheduleConfig outside = winograd;
  outside.params["pixels"] = 999;
  compile.schedule.tuned = {{0, direct}, {1, outside}};
  TempDirectory dir("tuning");
  const codegen::ArtifactSummary summary = codegen::compileArtifact(
      graph, plan, fusion::computeMetrics(graph, plan, fusion::Machine{}), compile, dir.path() / "artifact");
  EXPECT_EQ(summary.tuned_blocks, 1) << "block 1's config is outside its space: it keeps its default";
  const nlohmann::json manifest = nlohmann::json::parse(readFile(dir.path() / "artifact" / "manifest.json"));
  EXPECT_EQ(codegen::ScheduleConfig::fromJson(manifest.at("blocks").at(0).at("schedule")), direct)
      << "lowered as a direct conv, its weights packed for it";
  EXPECT_EQ(codegen::ScheduleConfig::fromJson(manifest.at("blocks").at(1).at("schedule")), winograd);
}

TEST(TuneJob, AWorkerCompilesTimesAndStoresItsCandidates) {
  const ir::Graph graph = ir::parseGraph(kSeparable);
  TempDirectory dir("tuning");
  TuneJob job;
  job.graph = dir.path() / "block.ir";
  writeFile(job.graph, ir::printGraph(graph, {.elide_constants = false}));
  job.timer.runs = 3;
  codegen::CompileOptions compile;
  compile.model_name = "alone";
  compile.boundaries_as_activations = true;
  job.configs = {
      codegen::scheduleChoices(graph, planOf(graph, {0, 0, 0, 0}), compile).at(0).byDefault().default_config,
      {"gemm", {{"no_such", 1}}}};
  job.output = dir.path() / "out";
  job.database = dir.path() / "tuning.db";
  job.signature = "the block";
  job.machine = "test machine";
  writeTuneJob(job, dir.path() / "job.json");
  runTuneJob(readTuneJob(dir.path() / "job.json"));

  EXPECT_TRUE(std::filesystem::is_directory(candidateArtifact(job, 0)));
  EXPECT_FALSE(std::filesystem::exists(candidateArtifact(job, 1))) << "a config outside the space";
  EXPECT_TRUE(std::filesystem::exists(candidateArtifact(job, 1).string() + ".error"));
  TimingDatabase db(job.database);
  const auto stored = db.find({"the block", hostTarget(), "test machine", job.timer.threads,
                               measurementKey(job.configs[0], job.timer)});
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->runs, 3);
}

}  // namespace
}  // namespace kiln::tuning
