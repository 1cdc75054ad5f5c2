// Activation memory planning: every value passed between blocks gets an offset in one arena, and values whose
// lifetimes (from the block that writes it to the last block that reads it) do not overlap share bytes.
//
// Greedy by size: the largest values are placed first, each at the lowest 64-byte aligned offset that does
// not collide with an already placed value alive at the same time. Optimal placement is NP-hard; this is the
// usual heuristic; `kiln run` prints the arena beside the unshared sum.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "runtime/manifest.h"

namespace kiln::runtime {

struct Lifetime {
  int64_t bytes;
  int first_block;  // writes it
  int last_block;   // last reads it
};

struct ArenaPlan {
  std::vector<int64_t> offsets;  // one per lifetime
  int64_t arena_bytes = 0;
  int64_t unshared_bytes = 0;  // sum of all sizes
};

// `share` false gives every value its own bytes (used to keep every intermediate for inspection).
ArenaPlan planArena(const std::vector<Lifetime>& values, bool share = true);

// The arena of a model's activations (values blocks pass to each other), each alive from the block that
// writes it to the last that reads it: what the runtime allocates, and what a bundle's workspace holds.
struct ActivationPlan {
  ArenaPlan arena;
  std::map<int, int64_t> offset;  // activation value id -> byte offset
};
ActivationPlan planActivations(const Manifest& manifest, bool share = true);

}  // namespace kiln::runtime
