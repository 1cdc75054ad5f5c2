// Makes an allocator LibTorch's CPU allocator for a scope and restores the one it replaced: how kiln watches
// what LibTorch allocates while it loads a file (tensor_records.h) or runs a model's code
// (allocation_budget.h). Not for use while another thread runs LibTorch.
#pragma once

#include <cstdint>

#include <c10/core/CPUAllocator.h>

namespace kiln::frontend {

class CpuAllocatorScope {
 public:
  explicit CpuAllocatorScope(c10::Allocator* allocator) : previous_(c10::GetCPUAllocator()) {
    c10::SetCPUAllocator(allocator, kPriority);
  }
  ~CpuAllocatorScope() { c10::SetCPUAllocator(previous_, kPriority); }
  CpuAllocatorScope(const CpuAllocatorScope&) = delete;
  CpuAllocatorScope& operator=(const CpuAllocatorScope&) = delete;

  c10::Allocator* previous() const { return previous_; }

 private:
  static constexpr uint8_t kPriority = 255;  // above LibTorch's default CPU allocator's
  c10::Allocator* previous_;
};

}  // namespace kiln::frontend
