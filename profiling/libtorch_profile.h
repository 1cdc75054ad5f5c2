// LibTorch's side of `kiln profile` and `kiln bench`, measured with LibTorch's own (legacy, CPU) profiler.
//
// Per-operator times come from running kiln's canonical graph through the reference executor, which calls
// ATen once per IR op inside a profiler scope named after the op: every ATen call is then attributed to
// exactly one IR op, so to exactly one kiln block. Peak memory comes from the profiler's allocation events.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <ATen/ATen.h>

#include "ir/graph.h"

namespace kiln::profiling {

struct LibTorchOpTimes {
  std::vector<double> op_seconds;                  // per op of the graph: median over the profiled runs
  std::vector<std::vector<std::string>> aten_ops;  // per op: the outermost ATen operators it called
  double run_seconds = 0;                          // median over runs of the ops' total
};

// Runs the graph `warmup` times unprofiled, then `runs` times under the profiler, on ATen's current thread
// count (at::set_num_threads).
LibTorchOpTimes profileGraphOps(const ir::Graph& graph, const std::vector<at::Tensor>& inputs, int runs,
                                int warmup);

// The most bytes LibTorch's CPU allocator held, beyond what it held when `body` began, while `body` ran.
int64_t peakAllocatedBytes(const std::function<void()>& body);

}  // namespace kiln::profiling
