#include "runtime/arena.h"

#include <algorithm>
#include <numeric>

namespace kiln::runtime {
namespace {

constexpr int64_t kAlignment = 64;

int64_t aligned(int64_t bytes) {
  return (bytes + kAlignment - 1) / kAlignment * kAlignment;
}

bool overlapInTime(const Lifetime& a, const Lifetime& b) {
  return a.first_block <= b.last_block && b.first_block <= a.last_block;
}

}  // namespace

ArenaPlan planArena(const std::vector<Lifetime>& values, bool share) {
  ArenaPlan plan;
  plan.offsets.assign(values.size(), 0);
  std::vector<size_t> order(values.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return values[a].bytes > values[b].bytes; });
  std::vector<size_t> placed;
  for (size_t v : order) {
    plan.unshared_bytes += values[v].bytes;
    int64_t offset = 0;
    // Try the lowest gap first: candidates are 0 and the end of every conflicting placed value.
    std::vector<size_t> conflicts;
    for (size_t p : placed)
      if (!share || overlapInTime(values[v], values[p])) conflicts.push_back(p);
    std::sort(conflicts.begin(), conflicts.end(),
              [&](size_t a, size_t b) { return plan.offsets[a] < plan.offsets[b]; });
    for (size_t p : conflicts) {
      if (offset + aligned(values[v].bytes) <= plan.offsets[p]) break;
      offset = std::max(offset, plan.offsets[p] + aligned(values[p].bytes));
    }
    plan.offsets[v] = offset;
    plan.arena_bytes = std::max(plan.arena_bytes, offset + aligned(values[v].bytes));
    placed.push_back(v);
  }
  return plan;
}

}  // namespace kiln::runtime
