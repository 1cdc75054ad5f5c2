#include "tuning/tune_job.h"

#include <atomic>
#include <thread>

#include <nlohmann/json.hpp>

#include "codegen/target.h"
#include "ir/error.h"
#include "ir/files.h"
#include "ir/parser.h"
#include "ir/process.h"
#include "tuning/timing_database.h"

namespace kiln::tuning {
namespace {

nlohmann::json machineJson(const fusion::Machine& m) {
  return {{"peak_flops", m.peak_flops},
          {"bandwidth", m.bandwidth},
          {"launch_seconds", m.launch_seconds},
          {"threads", m.threads},
          {"stage_bytes", m.stage_bytes},
          {"strip_rows", m.strip_rows},
          {"l2_bytes", m.l2_bytes},
          {"streamed_efficiency", m.streamed_efficiency}};
}

fusion::Machine machineFromJson(const nlohmann::json& j) {
  fusion::Machine m;
  m.peak_flops = j.at("peak_flops").get<double>();
  m.bandwidth = j.at("bandwidth").get<double>();
  m.launch_seconds = j.at("launch_seconds").get<double>();
  m.threads = j.at("threads").get<int>();
  m.stage_bytes = j.at("stage_bytes").get<int64_t>();
  m.strip_rows = j.at("strip_rows").get<int64_t>();
  m.l2_bytes = j.at("l2_bytes").get<int64_t>();
  m.streamed_efficiency = j.at("streamed_efficiency").get<double>();
  return m;
}

void compileAndMaybeTime(const TuneJob& job, const ir::Graph& block, size_t index, TimingDatabase* database) {
  const std::filesystem::path artifact = candidateArtifact(job, index);
  try {
    compileOneBlock(block, job.timer, &job.configs[index], artifact);
    if (!database) return;
    const BlockTiming timing = timeOneBlock(artifact, job.timer);
    database->store({job.signature, codegen::resolveTarget(job.timer.target).halide.to_string(), job.machine,
                     job.timer.threads, measurementKey(job.configs[index], job.timer)},
                    timing);
  } catch (const std::exception& e) {
    writeFileAtomically(candidateError(job, index), e.what());
  }
}

}  // namespace

std::string measurementKey(const codegen::ScheduleConfig& config, const TimerOptions& timer) {
  nlohmann::json json = config.toJson();
  json["weights"] = timer.cold_weights ? "cold" : "cached";
  return json.dump();
}

std::filesystem::path candidateArtifact(const TuneJob& job, size_t index) {
  return job.output / std::to_string(index);
}

std::filesystem::path candidateError(const TuneJob& job, size_t index) {
  return job.output / (std::to_string(index) + ".error");
}

void writeTuneJob(const TuneJob& job, const std::filesystem::path& file) {
  nlohmann::json configs = nlohmann::json::array();
  for (const codegen::ScheduleConfig& config : job.configs) configs.push_back(config.toJson());
  const nlohmann::json json{{"graph", job.graph.string()},
                            {"target", job.timer.target},
                            {"threads", job.timer.threads},
                            {"warmup", job.timer.warmup},
                            {"runs", job.timer.runs},
                            {"cold_weights", job.timer.cold_weights},
                            {"machine_figures", machineJson(job.timer.machine)},
                            {"configs", configs},
                            {"output", job.output.string()},
                            {"database", job.database.string()},
                            {"signature", job.signature},
                            {"machine", job.machine}};
  writeFileAtomically(file, json.dump(2) + "\n");
}

TuneJob readTuneJob(const std::filesystem::path& file) {
  try {
    const nlohmann::json json = nlohmann::json::parse(readFile(file));
    TuneJob job;
    job.graph = json.at("graph").get<std::string>();
    job.timer.target = json.at("target").get<std::string>();
    job.timer.threads = json.at("threads").get<int>();
    job.timer.warmup = json.at("warmup").get<int>();
    job.timer.runs = json.at("runs").get<int>();
    job.timer.cold_weights = json.at("cold_weights").get<bool>();
    job.timer.machine = machineFromJson(json.at("machine_figures"));
    for (const nlohmann::json& config : json.at("configs"))
      job.configs.push_back(codegen::ScheduleConfig::fromJson(config));
    job.output = json.at("output").get<std::string>();
    job.database = json.at("database").get<std::string>();
    job.signature = json.at("signature").get<std::string>();
    job.machine = json.at("machine").get<std::string>();
    return job;
  } catch (const nlohmann::json::exception& e) {
    fail("tune job {} is malformed: {}", file.string(), e.what());
  }
}

void runTuneJob(const TuneJob& job) {
  const ir::Graph block = ir::parseGraph(readFile(job.graph));
  std::unique_ptr<TimingDatabase> database;
  if (!job.database.empty()) database = std::make_unique<TimingDatabase>(job.database);
  for (size_t i = 0; i < job.configs.size(); ++i) compileAndMaybeTime(job, block, i, database.get());
}

std::vector<std::string> runWorkers(const std::filesystem::path& kiln,
                                    const std::vector<std::filesystem::path>& jobs, int parallel) {
  std::vector<std::string> failures(jobs.size());
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t j = next++; j < jobs.size(); j = next++) {
      try {
        runTool({kiln.string(), "tune", "--worker", jobs[j].string()}, "compile schedule candidates",
                "its output follows");
      } catch (const std::exception& e) {
        failures[j] = e.what();
      }
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < std::max(1, parallel); ++t) threads.emplace_back(worker);
  for (std::thread& t : threads) t.join();
  return failures;
}

}  // namespace kiln::tuning
