// Import runs some of a model's own code with LibTorch: the ops on compile-time constants (shape arithmetic,
// `torch.zeros` of a shape known once the input shape is), whose results fold into the IR. A damaged or
// hostile file can make that code ask for a tensor of any size (the fuzzer found an LSTM whose mutated hidden
// size made its initial state 24.5 GB), which LibTorch would allocate and zero-fill in kiln's process until
// the kernel killed it. While an AllocationBudget is alive, LibTorch's CPU allocations draw on it, and one
// that would overdraw it throws AllocationBudgetExceeded instead of allocating.
#pragma once

#include <cstdint>
#include <stdexcept>

#include <c10/core/Allocator.h>

#include "frontend/cpu_allocator_scope.h"

namespace kiln::frontend {

class AllocationBudgetExceeded : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What is left to allocate; allocations are counted when made, not returned when freed, so the budget bounds
// everything an import evaluates, temporaries included.
struct ByteBudget {
  int64_t total;
  int64_t left;
};

// While alive, it is LibTorch's CPU allocator: it passes allocations on to the allocator it replaced, drawing
// on `budget`. Not for use while another thread runs LibTorch.
class AllocationBudget final : public c10::Allocator {
 public:
  explicit AllocationBudget(ByteBudget& budget) : budget_(budget), scope_(this) {}

  c10::DataPtr allocate(size_t bytes) const override;
  c10::DeleterFnPtr raw_deleter() const override { return scope_.previous()->raw_deleter(); }

 private:
  ByteBudget& budget_;
  CpuAllocatorScope scope_;
};

}  // namespace kiln::frontend
