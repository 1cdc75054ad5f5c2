#include "tuning/tuner.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <numeric>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "codegen/compiler.h"
#include "codegen/target.h"
#include "codegen/target_desc.h"
#include "fusion/metrics.h"
#include "ir/error.h"
#include "ir/files.h"
#include "ir/printer.h"
#include "ir/statistics.h"
#include "ir/subgraph.h"
#include "tuning/tune_job.h"

namespace kiln::tuning {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using codegen::ScheduleConfig;

// A candidate must beat the best so far by this much to replace it: less is within the noise of two
// measurements minutes apart on a shared machine.
constexpr double kNoiseMargin = 0.03;
// Rounds of the final comparison, each timing the default and the best once.
constexpr int kConfirmRounds = 3;
// Timed runs per config: enough to take about this long, within [kMinRuns, kMaxRuns].
constexpr double kSecondsPerTiming = 0.1;
constexpr int kMinRuns = 10, kMaxRuns = 300;
// The share of the budget kept for checking the choices inside the model (two compiles of it and the timing).
constexpr double kInModelCheckShare = 0.15;
// Rounds of the in-model check, each running the model with defaults and with the choices.
constexpr int kInModelRounds = 5;
// Candidates each worker process compiles per batch: its start (about half a second: LibTorch and Halide
// load) is paid once for them.
constexpr int kBatchPerJob = 3;

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

struct DistinctBlock {
  DistinctBlock(ir::Graph alone, std::string text) : graph(std::move(alone)), signature(std::move(text)) {}
  ir::Graph graph;
  std::string signature;
  fs::path graph_file;  // the graph as IR text with its weights, for the workers
  codegen::ScheduleChoice choice;
  BlockTuning result;
  int runs = kMinRuns;
  double weight = 0;                          // default time x occurrences
  std::map<std::string, double> medians;      // config JSON -> median seconds, what this search knows
  std::map<std::string, fs::path> artifacts;  // compiled configs not yet removed
};

std::string configText(const ScheduleConfig& config) {
  return config.toJson().dump();
}

// Configs that change one parameter of `centre`, nearest values first, then the defaults of the block's other
// templates (a Winograd block's direct conv); less those that spill or are known.
std::vector<ScheduleConfig> neighbours(const DistinctBlock& block, const ScheduleConfig& centre,
                                       const codegen::TargetDesc& desc) {
  std::vector<std::pair<int, ScheduleConfig>> ranked;
  for (const codegen::TemplateSpace& other : block.choice.templates) {
    if (other.default_config.template_name != centre.template_name) {
      ranked.push_back({1, other.default_config});
      continue;
    }
    for (const auto& [name, values] : other.space) {
      const auto at = std::find(values.begin(), values.end(), centre.params.at(name));
      const int current = static_cast<int>(at - values.begin());
      for (int i = 0; i < static_cast<int>(values.size()); ++i) {
        ScheduleConfig candidate = centre;
        candidate.params[name] = values[i];
        if (i != current) ranked.push_back({std::abs(i - current), candidate});
      }
    }
  }
  std::erase_if(ranked, [&](const auto& r) {
    return block.medians.count(configText(r.second)) || !codegen::tileFitsRegisters(r.second, desc);
  });
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<ScheduleConfig> configs;
  for (auto& [distance, config] : ranked) configs.push_back(std::move(config));
  return configs;
}

class Tuner {
 public:
  Tuner(TimingDatabase& database, TuneOptions options)
      : database_(database),
        options_(std::move(options)),
        target_(codegen::resolveTarget(options_.timer.target).halide),
        halide_target_(target_.to_string()),
        desc_(codegen::describeTarget(target_, options_.timer.threads)),
        scratch_("tune"),
        start_(Clock::now()) {}

  TuneReport run(const ir::Graph& graph, const fusion::Plan& plan) {
    std::vector<DistinctBlock> blocks = distinctBlocks(graph, plan);
    std::vector<DistinctBlock*> searched;
    for (DistinctBlock& block : blocks)
      if (block.result.outcome.empty()) searched.push_back(&block);
    timeDefaults(searched);
    std::erase_if(searched, [](DistinctBlock* b) { return !b->result.outcome.empty(); });
    std::sort(searched.begin(), searched.end(), [](auto* a, auto* b) { return a->weight > b->weight; });
    double weight_left = 0;
    for (DistinctBlock* block : searched) weight_left += block->weight;
    TuneReport report;
    for (size_t i = 0; i < searched.size() && !stopped(); ++i) {
      const double share = searchSecondsLeft() * searched[i]->weight / weight_left;
      weight_left -= searched[i]->weight;
      search(*searched[i], Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                              std::chrono::duration<double>(share)));
      // A search the budget ended is still decided on what it measured: the confirming rounds cost seconds,
      // and skipping them would throw that block's search away.
      if (!interrupted()) decide(*searched[i]);
      progressLine(*searched[i], i + 1, searched.size());
    }
    report.stopped = stopped();
    if (!interrupted()) checkInModel(graph, plan, searched);
    for (DistinctBlock& block : blocks) {
      if (block.result.outcome.empty()) {
        block.result.outcome = "not searched (budget or Ctrl-C)";
        block.result.best_config = block.result.default_config;
      }
      report.blocks.push_back(std::move(block.result));
    }
    std::stable_sort(report.blocks.begin(), report.blocks.end(), [](const auto& a, const auto& b) {
      return a.default_seconds * a.blocks.size() > b.default_seconds * b.blocks.size();
    });
    report.seconds = secondsSince(start_);
    return report;
  }

 private:
  bool interrupted() const { return options_.stop && options_.stop->load(); }
  bool stopped() const { return interrupted() || searchSecondsLeft() <= 0; }
  double secondsLeft() const { return options_.budget_seconds - secondsSince(start_); }
  // The budget less the in-model check's share.
  double searchSecondsLeft() const { return secondsLeft() - kInModelCheckShare * options_.budget_seconds; }

  // The model compiled as `kiln compile` compiles it for this target and thread count.
  codegen::CompileOptions modelCompile() const {
    codegen::CompileOptions compile;
    compile.model_name = "tuned_model";
    compile.target = options_.timer.target;
    compile.schedule.threads = options_.timer.threads;
    compile.jobs = options_.jobs;
    return compile;
  }

  TimingKey key(const DistinctBlock& block, const std::string& config) const {
    return {block.signature, halide_target_, options_.machine, options_.timer.threads, config};
  }

  // The blocks of the plan by signature, each with its schedule choice as the model's compile makes it: a
  // block compiled alone may be planned otherwise (its strip height, which fusion prices in the model), and
  // what the search starts from and compares with must be what `kiln compile` gives the block.
  std::vector<DistinctBlock> distinctBlocks(const ir::Graph& graph, const fusion::Plan& plan) {
    const std::vector<codegen::ScheduleChoice> choices =
        codegen::scheduleChoices(graph, plan, modelCompile());
    const ir::UseIndex uses(graph);
    std::map<std::string, size_t> index;
    std::vector<DistinctBlock> blocks;
    for (size_t b = 0; b < plan.blocks.size(); ++b) {
      ir::Graph alone = ir::extractOps(graph, uses, plan.blocks[b].ops);
      const std::string signature = ir::printGraph(alone);
      auto [it, fresh] = index.emplace(signature, blocks.size());
      if (!fresh) {
        blocks[it->second].result.blocks.push_back(static_cast<int>(b));
        continue;
      }
      DistinctBlock& block = blocks.emplace_back(std::move(alone), signature);
      block.result.blocks = {static_cast<int>(b)};
      block.result.pattern = fusion::patternOf(graph, plan.blocks[b].ops);
      prepare(block, choices[b], blocks.size() - 1);
    }
    return blocks;
  }

  // The block's default and space; blocks decided earlier or that cannot be compiled alone are not searched.
  void prepare(DistinctBlock& block, const codegen::ScheduleChoice& choice, size_t number) {
    if (block.graph.inputs().empty()) {
      block.result.outcome = "could not be compiled alone: it reads no input";
      return;
    }
    block.choice = choice;
    block.result.default_config = block.result.best_config = block.choice.byDefault().default_config;
    if (auto decided = database_.tunedConfig(key(block, "")); decided && !options_.retune) {
      block.result.best_config = ScheduleConfig::fromJson(nlohmann::json::parse(*decided));
      block.result.outcome = "decided earlier";
      recallTimes(block);
      return;
    }
    block.graph_file = scratch_.path() / fmt::format("block{}.ir", number);
    writeFile(block.graph_file, ir::printGraph(block.graph, {.elide_constants = false}));
  }

  // A block decided earlier reports the times its search measured, where the database holds both.
  void recallTimes(DistinctBlock& block) {
    BlockTuning& r = block.result;
    const auto before = database_.find(key(block, measurementKey(r.default_config, options_.timer)));
    const auto after = database_.find(key(block, measurementKey(r.best_config, options_.timer)));
    if (!before || !after) return;
    r.default_seconds = before->median_seconds;
    r.best_seconds = after->median_seconds;
  }

  // Compiles `configs` of `block` in worker processes: each config's artifact, or nothing if it failed.
  std::vector<std::optional<fs::path>> compile(
      const std::vector<std::pair<DistinctBlock*, ScheduleConfig>>& items) {
    std::vector<fs::path> job_files;
    std::vector<TuneJob> jobs;
    std::vector<std::pair<size_t, size_t>> where;  // item -> (job, index in job)
    std::map<DistinctBlock*, std::vector<size_t>> by_block;
    for (size_t i = 0; i < items.size(); ++i) by_block[items[i].first].push_back(i);
    where.resize(items.size());
    for (auto& [block, members] : by_block) {
      const size_t parts = std::min<size_t>(members.size(), std::max(1, options_.jobs));
      for (size_t p = 0; p < parts; ++p) {
        TuneJob job;
        job.graph = block->graph_file;
        job.timer = options_.timer;
        job.output = scratch_.path() / fmt::format("c{}", ++compiled_batches_);
        for (size_t m = p; m < members.size(); m += parts) {
          where[members[m]] = {jobs.size(), job.configs.size()};
          job.configs.push_back(items[members[m]].second);
        }
        job_files.push_back(job.output.string() + ".json");
        writeTuneJob(job, job_files.back());
        jobs.push_back(std::move(job));
      }
    }
    const std::vector<std::string> failures = runWorkers(options_.kiln, job_files, options_.jobs);
    std::vector<std::optional<fs::path>> artifacts(items.size());
    for (size_t i = 0; i < items.size(); ++i) {
      const auto [j, k] = where[i];
      const fs::path artifact = candidateArtifact(jobs[j], k);
      if (fs::is_directory(artifact)) {
        artifacts[i] = artifact;
        continue;
      }
      ++items[i].first->result.failed;
      const fs::path error_file = candidateError(jobs[j], k);
      const std::string why = fs::exists(error_file) ? readFile(error_file) : failures[j];
      progress(fmt::format("  {}: {} failed: {}", items[i].first->result.pattern, items[i].second.toString(),
                           why.substr(0, why.find('\n'))));
    }
    return artifacts;
  }

  BlockTiming time(const fs::path& artifact, int runs) {
    TimerOptions timer = options_.timer;
    timer.runs = runs;
    return timeOneBlock(artifact, timer);
  }

  // Times a compiled config, stores the row and remembers it.
  void record(DistinctBlock& block, const ScheduleConfig& config, const fs::path& artifact) {
    const std::string text = configText(config);
    const BlockTiming timing = time(artifact, block.runs);
    database_.store(key(block, measurementKey(config, options_.timer)), timing);
    block.medians[text] = timing.median_seconds;
    block.artifacts[text] = artifact;
    ++block.result.timed;
  }

  // Each block's default, compiled together and timed (or as the database has it): the block's weight and
  // its runs per timing.
  void timeDefaults(const std::vector<DistinctBlock*>& blocks) {
    std::vector<std::pair<DistinctBlock*, ScheduleConfig>> items;
    for (DistinctBlock* block : blocks) {
      const ScheduleConfig& config = block->choice.byDefault().default_config;
      if (auto known = database_.find(key(*block, measurementKey(config, options_.timer)))) {
        block->runs = known->runs;
        block->medians[configText(config)] = known->median_seconds;
        ++block->result.from_database;
        weigh(*block);
      } else {
        items.push_back({block, config});
      }
    }
    progress(fmt::format("timing the default schedules of {} distinct blocks ({} read from the database)",
                         blocks.size(), blocks.size() - items.size()));
    const std::vector<std::optional<fs::path>> artifacts = compile(items);
    for (size_t i = 0; i < items.size(); ++i) {
      DistinctBlock& block = *items[i].first;
      if (!artifacts[i]) {
        block.result.outcome = "could not be compiled alone with its default schedule";
        continue;
      }
      try {
        const double first = time(*artifacts[i], 3).median_seconds;
        block.runs =
            std::clamp(static_cast<int>(kSecondsPerTiming / std::max(first, 1e-7)), kMinRuns, kMaxRuns);
        record(block, block.choice.byDefault().default_config, *artifacts[i]);
      } catch (const std::exception& e) {
        block.result.outcome = fmt::format("could not be timed alone: {}", e.what());
        continue;
      }
      weigh(block);
    }
  }

  void weigh(DistinctBlock& block) {
    block.result.default_seconds = block.result.best_seconds =
        block.medians.at(configText(block.choice.byDefault().default_config));
    block.weight = block.result.default_seconds * block.result.blocks.size();
  }

  void search(DistinctBlock& block, Clock::time_point deadline) {
    ScheduleConfig& best = block.result.best_config;
    while (Clock::now() < deadline && !stopped()) {
      std::vector<ScheduleConfig> batch = neighbours(block, best, desc_);
      if (batch.empty()) break;
      batch.resize(std::min<size_t>(batch.size(), kBatchPerJob * std::max(1, options_.jobs)));
      std::vector<std::pair<DistinctBlock*, ScheduleConfig>> items;
      for (const ScheduleConfig& config : batch) {
        if (auto known = database_.find(key(block, measurementKey(config, options_.timer)))) {
          block.medians[configText(config)] = known->median_seconds;
          ++block.result.from_database;
        } else {
          items.push_back({&block, config});
        }
      }
      const std::vector<std::optional<fs::path>> artifacts = compile(items);
      for (size_t i = 0; i < items.size() && !stopped(); ++i) {
        if (!artifacts[i]) {
          block.medians[configText(items[i].second)] = INFINITY;
          continue;
        }
        try {
          record(block, items[i].second, *artifacts[i]);
        } catch (const std::exception&) {
          block.medians[configText(items[i].second)] = INFINITY;
          ++block.result.failed;
        }
      }
      ScheduleConfig centre = best;
      for (const ScheduleConfig& config : batch) {
        auto known = block.medians.find(configText(config));  // none for a config an interrupt left untimed
        if (known != block.medians.end() &&
            known->second < block.medians.at(configText(centre)) * (1 - kNoiseMargin))
          centre = config;
      }
      if (!(centre == best)) {
        best = centre;
        progress(fmt::format("  {}: {} {:.1f} us (default {:.1f} us)", block.result.pattern, best.toString(),
                             block.medians.at(configText(best)) * 1e6, block.result.default_seconds * 1e6));
      }
      dropArtifactsBut(block, {configText(best), configText(block.result.default_config)});
    }
  }

  void dropArtifactsBut(DistinctBlock& block, const std::set<std::string>& kept) {
    for (auto it = block.artifacts.begin(); it != block.artifacts.end();) {
      if (kept.count(it->first)) {
        ++it;
        continue;
      }
      std::error_code ignored;
      fs::remove_all(it->second, ignored);
      it = block.artifacts.erase(it);
    }
  }

  // The final comparison, alternating default and best, and the choice it proposes (checkInModel stores it).
  void decide(DistinctBlock& block) {
    BlockTuning& result = block.result;
    if (result.best_config == result.default_config) {
      result.outcome = "default is best";
      return;
    }
    std::vector<std::pair<DistinctBlock*, ScheduleConfig>> missing;
    for (const ScheduleConfig& config : {result.default_config, result.best_config})
      if (!block.artifacts.count(configText(config))) missing.push_back({&block, config});
    const std::vector<std::optional<fs::path>> compiled = compile(missing);
    for (size_t i = 0; i < missing.size(); ++i)
      if (compiled[i]) block.artifacts[configText(missing[i].second)] = *compiled[i];
    std::vector<double> defaults, bests;
    try {
      for (int round = 0; round < kConfirmRounds; ++round) {
        defaults.push_back(
            time(block.artifacts.at(configText(result.default_config)), block.runs).median_seconds);
        bests.push_back(time(block.artifacts.at(configText(result.best_config)), block.runs).median_seconds);
      }
    } catch (const std::exception& e) {
      result.best_config = result.default_config;
      result.outcome = fmt::format("default kept: the best config failed its final timing ({})", e.what());
      return;
    }
    result.default_seconds = median(defaults);
    result.best_seconds = median(bests);
    if (result.best_seconds < result.default_seconds) {
      result.outcome = "tuned";
    } else {
      result.best_config = result.default_config;
      result.best_seconds = result.default_seconds;
      result.outcome = "default is best (the search's best was not faster when timed again)";
    }
    dropArtifactsBut(block, {});
  }

  // The choices checked where they will run: the model compiled with every block's default and with the
  // choices, its blocks timed in alternating rounds. A block timed alone can mislead: its input and weights
  // stay in cache from run to run, and a model's first block reads the model's input in the caller's layout.
  // A choice whose blocks are not faster in the model goes back to the default. Then every searched block's
  // decision is stored.
  void checkInModel(const ir::Graph& graph, const fusion::Plan& plan,
                    const std::vector<DistinctBlock*>& searched) {
    codegen::ScheduleOverrides tuned;
    for (const DistinctBlock* block : searched)
      if (block->result.outcome == "tuned")
        for (int b : block->result.blocks) tuned[b] = block->result.best_config;
    if (!tuned.empty()) compareInModel(graph, plan, tuned, searched);
    for (const DistinctBlock* block : searched) {
      const BlockTuning& r = block->result;
      if (r.outcome.empty()) continue;  // not searched
      database_.storeTunedConfig(key(*block, configText(r.best_config)), r.speedup());
    }
  }

  void compareInModel(const ir::Graph& graph, const fusion::Plan& plan,
                      const codegen::ScheduleOverrides& tuned, const std::vector<DistinctBlock*>& searched) {
    progress(fmt::format(
        "checking {} tuned blocks inside the model: compiling it twice, then {} alternating rounds",
        tuned.size(), kInModelRounds));
    codegen::CompileOptions compile = modelCompile();
    const fusion::PlanMetrics metrics = fusion::computeMetrics(graph, plan, options_.timer.machine);
    codegen::compileArtifact(graph, plan, metrics, compile, scratch_.path() / "model_default");
    compile.schedule.tuned = tuned;
    codegen::compileArtifact(graph, plan, metrics, compile, scratch_.path() / "model_tuned");
    double model_seconds = 0;
    for (const DistinctBlock* block : searched) model_seconds += block->weight;
    const int runs = std::clamp(static_cast<int>(kSecondsPerTiming / std::max(model_seconds, 1e-6)), 3, 50);
    const std::vector<std::vector<double>> times =
        alternatingBlockTimes({scratch_.path() / "model_default", scratch_.path() / "model_tuned"},
                              options_.timer.threads, kInModelRounds, runs, /*warm_outputs=*/false);
    for (DistinctBlock* block : searched) {
      BlockTuning& r = block->result;
      if (r.outcome != "tuned") continue;
      r.model_default_seconds = r.model_tuned_seconds = 0;
      for (int b : r.blocks) {
        r.model_default_seconds += times[0].at(b);
        r.model_tuned_seconds += times[1].at(b);
      }
      if (r.model_tuned_seconds < r.model_default_seconds) continue;
      r.outcome =
          fmt::format("default kept: {} was slower in the model ({:.1f} against {:.1f} us)",
                      r.best_config.toString(), r.model_tuned_seconds * 1e6, r.model_default_seconds * 1e6);
      r.best_config = r.default_config;
      r.best_seconds = r.default_seconds;
    }
  }

  void progressLine(const DistinctBlock& block, size_t done, size_t total) {
    const BlockTuning& r = block.result;
    progress(
        fmt::format("[{}/{}] {} x{}: {} configs timed, {} from the database; {:.1f} -> {:.1f} us ({:.2f}x, "
                    "{}); {:.0f} s left",
                    done, total, r.pattern, r.blocks.size(), r.timed, r.from_database,
                    r.default_seconds * 1e6, r.best_seconds * 1e6, r.speedup(),
                    r.outcome.empty() ? "interrupted" : r.outcome, std::max(0.0, secondsLeft())));
  }

  void progress(const std::string& line) const {
    if (options_.progress) options_.progress(line);
  }

  TimingDatabase& database_;
  TuneOptions options_;
  const Halide::Target target_;
  const std::string halide_target_;
  const codegen::TargetDesc desc_;
  TempDirectory scratch_;
  const Clock::time_point start_;
  int compiled_batches_ = 0;
};

std::string outcomeText(const BlockTuning& b) {
  if (b.outcome == "tuned")
    return fmt::format("tuned: {}; in the model {:.1f} -> {:.1f} us", b.best_config.toString(),
                       b.model_default_seconds * 1e6, b.model_tuned_seconds * 1e6);
  if (b.outcome == "decided earlier" && !(b.best_config == b.default_config))
    return fmt::format("decided earlier: {}", b.best_config.toString());
  return b.outcome;
}

}  // namespace

TuneReport tuneModel(const ir::Graph& graph, const fusion::Plan& plan, TimingDatabase& database,
                     const TuneOptions& options) {
  const Halide::Target target = codegen::resolveTarget(options.timer.target).halide;
  if (!codegen::runsOnHost(target))
    fail("kiln tune times code on this machine, which cannot run target {}; tune on a machine of that kind",
         options.timer.target);
  // Blocks are timed with their weights where the model leaves them: in memory once the model's weights
  // outgrow the last-level cache, since every other block's pass through it evicts them.
  TuneOptions timed_as_in_model = options;
  int64_t weight_bytes = 0;
  for (const auto& [id, tensor] : graph.constants()) weight_bytes += graph.type(id).bytes();
  timed_as_in_model.timer.cold_weights =
      weight_bytes > codegen::describeTarget(target, options.timer.threads).llc_bytes;
  return Tuner(database, timed_as_in_model).run(graph, plan);
}

std::string tuneTable(const TuneReport& report) {
  std::string text = fmt::format("{:<4} {:<40} {:>6} {:>10} {:>10} {:>8}  {}\n", "", "block", "blocks",
                                 "default us", "tuned us", "speedup", "outcome and config");
  double before = 0, after = 0;
  for (size_t i = 0; i < report.blocks.size(); ++i) {
    const BlockTuning& b = report.blocks[i];
    const std::string pattern = b.pattern.size() > 40 ? b.pattern.substr(0, 37) + "..." : b.pattern;
    text += fmt::format("{:<4} {:<40} {:>6} {:>10.1f} {:>10.1f} {:>7.2f}x  {}\n", i, pattern, b.blocks.size(),
                        b.default_seconds * 1e6, b.best_seconds * 1e6, b.speedup(), outcomeText(b));
    before += b.default_seconds * b.blocks.size();
    after += (b.best_seconds > 0 ? b.best_seconds : b.default_seconds) * b.blocks.size();
  }
  text += fmt::format(
      "sum over the model's blocks: {:.3f} ms default, {:.3f} ms tuned ({:.2f}x), in {:.0f} s{}\n",
      before * 1e3, after * 1e3, after > 0 ? before / after : 1.0, report.seconds,
      report.stopped ? " (stopped before every block was searched; run again to resume)" : "");
  return text;
}

codegen::ScheduleOverrides tunedConfigs(const ir::Graph& graph, const fusion::Plan& plan,
                                        const TimingDatabase& database, const std::string& halide_target,
                                        const std::string& machine, int threads) {
  const ir::UseIndex uses(graph);
  codegen::ScheduleOverrides tuned;
  for (size_t b = 0; b < plan.blocks.size(); ++b) {
    const std::string signature = ir::printGraph(ir::extractOps(graph, uses, plan.blocks[b].ops));
    if (auto config = database.tunedConfig({signature, halide_target, machine, threads}))
      tuned[static_cast<int>(b)] = ScheduleConfig::fromJson(nlohmann::json::parse(*config));
  }
  return tuned;
}

}  // namespace kiln::tuning
