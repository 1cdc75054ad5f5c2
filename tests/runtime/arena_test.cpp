// Activation memory planning: values whose lifetimes do not overlap share bytes; overlapping ones never do.
#include <gtest/gtest.h>

#include "runtime/arena.h"

namespace kiln::runtime {
namespace {

bool collide(const ArenaPlan& plan, const std::vector<Lifetime>& values, size_t a, size_t b) {
  const bool in_time =
      values[a].first_block <= values[b].last_block && values[b].first_block <= values[a].last_block;
  const bool in_space = plan.offsets[a] < plan.offsets[b] + values[b].bytes &&
                        plan.offsets[b] < plan.offsets[a] + values[a].bytes;
  return in_time && in_space;
}

TEST(Arena, AChainNeedsOnlyTwoLiveValues) {
  // v_i is written by block i and read by block i + 1: at most two are alive at once.
  std::vector<Lifetime> chain;
  for (int i = 0; i < 10; ++i) chain.push_back({1000, i, i + 1});
  const ArenaPlan plan = planArena(chain);
  EXPECT_EQ(plan.unshared_bytes, 10000);
  EXPECT_EQ(plan.arena_bytes, 2 * 1024);  // two values, each rounded up to 64 bytes
}

TEST(Arena, NoTwoLiveValuesOverlapOnRandomLifetimes) {
  std::srand(7);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<Lifetime> values;
    for (int v = 0; v < 30; ++v) {
      const int first = std::rand() % 20;
      values.push_back({1 + std::rand() % 5000, first, first + std::rand() % 6});
    }
    const ArenaPlan plan = planArena(values);
    for (size_t a = 0; a < values.size(); ++a) {
      EXPECT_EQ(plan.offsets[a] % 64, 0);
      EXPECT_LE(plan.offsets[a] + values[a].bytes, plan.arena_bytes);
      for (size_t b = a + 1; b < values.size(); ++b)
        EXPECT_FALSE(collide(plan, values, a, b)) << a << " " << b;
    }
    EXPECT_LE(plan.arena_bytes, planArena(values, /*share=*/false).arena_bytes);
  }
}

}  // namespace
}  // namespace kiln::runtime
