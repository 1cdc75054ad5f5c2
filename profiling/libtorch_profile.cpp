#include "profiling/libtorch_profile.h"

#include <algorithm>
#include <cmath>

#include <torch/csrc/autograd/profiler_legacy.h>

#include "frontend/reference_executor.h"
#include "ir/statistics.h"

namespace kiln::profiling {

namespace {

namespace profiler = torch::autograd::profiler;
using profiler::EventKind;
using profiler::LegacyEvent;

profiler::thread_event_lists profiled(const std::function<void()>& body, bool memory) {
  profiler::enableProfilerLegacy(torch::profiler::impl::ProfilerConfig(
      torch::profiler::impl::ProfilerState::CPU, /*report_input_shapes=*/false, memory));
  try {
    body();
  } catch (...) {
    profiler::disableProfilerLegacy();
    throw;
  }
  return profiler::disableProfilerLegacy();
}

// "kiln::op12" -> 12; -1 for ATen's own events.
int opIndexOfScope(const std::string& name) {
  const std::string prefix = frontend::kOpScopePrefix;
  return name.rfind(prefix, 0) == 0 ? std::stoi(name.substr(prefix.size())) : -1;
}

void addOnce(std::vector<std::string>& names, const std::string& name) {
  if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
}

}  // namespace

LibTorchOpTimes profileGraphOps(const ir::Graph& graph, const std::vector<at::Tensor>& inputs, int runs,
                                int warmup) {
  const frontend::ReferenceExecutor executor(graph);
  for (int w = 0; w < warmup; ++w) executor.run(inputs);
  const profiler::thread_event_lists events = profiled(
      [&] {
        for (int r = 0; r < runs; ++r) executor.run(inputs);
      },
      /*memory=*/false);

  const size_t ops = graph.ops().size();
  LibTorchOpTimes times;
  times.aten_ops.resize(ops);
  std::vector<std::vector<double>> samples(ops);
  for (const std::vector<LegacyEvent>& thread : events) {
    // Ranges nest within a thread; a pop closes the latest open push.
    std::vector<const LegacyEvent*> open;
    for (const LegacyEvent& event : thread) {
      if (event.kind() == EventKind::PushRange) {
        const int op = open.size() == 1 ? opIndexOfScope(open[0]->name()) : -1;
        if (op >= 0 && static_cast<size_t>(op) < ops) addOnce(times.aten_ops[op], event.name());
        open.push_back(&event);
      } else if (event.kind() == EventKind::PopRange && !open.empty()) {
        const int op = opIndexOfScope(open.back()->name());
        if (op >= 0 && static_cast<size_t>(op) < ops)
          samples[op].push_back(open.back()->cpuElapsedUs(event) * 1e-6);
        open.pop_back();
      }
    }
  }
  times.op_seconds.resize(ops);
  std::vector<double> run_totals(runs, 0.0);
  for (size_t op = 0; op < ops; ++op) {
    times.op_seconds[op] = median(samples[op]);
    for (size_t r = 0; r < samples[op].size() && r < run_totals.size(); ++r) run_totals[r] += samples[op][r];
  }
  times.run_seconds = median(run_totals);
  return times;
}

int64_t peakAllocatedBytes(const std::function<void()>& body) {
  const profiler::thread_event_lists events = profiled(body, /*memory=*/true);
  std::vector<std::pair<double, int64_t>> changes;  // (time, bytes allocated (+) or freed (-))
  for (const std::vector<LegacyEvent>& thread : events)
    for (const LegacyEvent& event : thread)
      if (event.kind() == EventKind::MemoryAlloc) changes.emplace_back(event.cpuUs(), event.cpuMemoryUsage());
  std::stable_sort(changes.begin(), changes.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  int64_t held = 0, peak = 0;
  for (const auto& [time, bytes] : changes) peak = std::max(peak, held += bytes);
  return peak;
}

}  // namespace kiln::profiling
