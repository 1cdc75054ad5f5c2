// The reference executor: evaluates a kiln IR graph op by op with ATen.
//
// It is the independent oracle of the project. The imported IR run through it must match the TorchScript
// module; compiled artifacts are compared with it block by block to find the first block that disagrees.
// Every IR op kind has exactly one ATen evaluation here (a missing one is a kiln::Error naming the kind).
// Each op runs inside a RecordFunction user scope named opScopeName(index), so LibTorch's profiler can
// attribute ATen's time to IR ops (kiln profile); with no profiler on, the scope costs a flag test.
#pragma once

#include <unordered_map>
#include <vector>

#include <ATen/ATen.h>

#include "ir/graph.h"

namespace kiln::frontend {

class ReferenceExecutor {
 public:
  // Converts the graph's constants to ATen tensors once; the graph must outlive the executor.
  explicit ReferenceExecutor(const ir::Graph& graph);

  // The graph's outputs for the given inputs (kiln::Error if their count, dtype or shapes do not match).
  std::vector<at::Tensor> run(const std::vector<at::Tensor>& inputs) const;
  // Every value the graph computes, by id.
  std::unordered_map<ir::ValueId, at::Tensor> runAll(const std::vector<at::Tensor>& inputs) const;

 private:
  const ir::Graph& graph_;
  std::unordered_map<ir::ValueId, at::Tensor> constants_;
};

// The profiler scope of the graph's op at `op_index`: kOpScopePrefix + index, "kiln::op12".
inline constexpr const char* kOpScopePrefix = "kiln::op";
std::string opScopeName(int op_index);

// Whether the reference executor can evaluate ops of this kind.
bool hasReferenceKernel(const std::string& kind);

}  // namespace kiln::frontend
