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

ActivationPlan planActivations(const Manifest& manifest, bool share) {
  std::map<int, Lifetime> lifetimes;
  for (size_t b = 0; b < manifest.blocks.size(); ++b) {
    const int block = static_cast<int>(b);
    for (int id : manifest.blocks[b].outputs)
      if (manifest.values.at(id).role == ValueRole::Activation)
        lifetimes[id] = Lifetime{manifest.values.at(id).bytes, block, block};
    for (int id : manifest.blocks[b].arguments)
      if (lifetimes.count(id)) lifetimes[id].last_block = block;
  }
  std::vector<Lifetime> values;
  for (const auto& [id, lifetime] : lifetimes) values.push_back(lifetime);
  ActivationPlan plan{planArena(values, share), {}};
  size_t i = 0;
  for (const auto& [id, lifetime] : lifetimes) plan.offset[id] = plan.arena.offsets[i++];
  return plan;
}

}  // namespace kiln::runtime
