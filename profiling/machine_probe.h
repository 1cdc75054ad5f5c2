// `kiln machine`: what this machine can do, measured rather than assumed, so that every roofline figure kiln
// prints (partition estimates, profile percentages, fusion's profitability) is about the machine at hand.
//
// Three short micro-benchmarks: peak FP32 FLOP/s on one core and on all cores (independent chains of vector
// fused multiply-adds, as wide as the CPU supports), and main-memory bandwidth (a STREAM-style triad over
// arrays far larger than the caches, on all cores). The result is cached per machine (CPU model, core count,
// host name) under $XDG_CACHE_HOME/kiln, so the seconds they take are spent once.
#pragma once

#include <filesystem>
#include <string>

#include "fusion/cost_model.h"

namespace kiln::profiling {

struct MachinePeaks {
  std::string identity;       // "Intel(R) Xeon(R) ... x2 on host"
  std::string vector_isa;     // the FMA width the FLOP benchmark used: "avx512", "avx2", "generic"
  int cores = 1;              // hardware threads the all-core figures used
  double core_flops = 0;      // FLOP/s, one core
  double all_core_flops = 0;  // FLOP/s, every core at once
  double bandwidth = 0;       // bytes/s, triad on every core
  std::string source;         // "measured <date>", "cache <path>" or "given on the command line"

  // Peak FLOP/s with `threads` threads (at most the cores measured).
  double flopsWith(int threads) const;
  // The cost model's machine for `threads` threads, with this host's L2 per core when the system reports it
  // (strips are sized to it: fusion/cost_model.h).
  fusion::Machine costModelMachine(int threads) const;
};

// Runs the micro-benchmarks now (about two seconds). Progress lines go to stderr.
MachinePeaks measureMachine();

// This machine's figures: the cache when it holds them, otherwise measured and cached. `remeasure` ignores
// the cache. The cache is locked while measuring, so concurrent kiln processes measure once.
MachinePeaks machinePeaks(bool remeasure = false);

std::filesystem::path machineCachePath();
// What the cache and the tuning database key this machine by: CPU model, hardware threads, host name.
std::string machineIdentity();

// This machine's hardware threads (at least 1), and the thread count for a `--threads` value (0: all of
// them).
int hardwareThreads();
int threadsOrAllCores(int requested);

std::string describeMachine(const MachinePeaks& peaks);  // a few lines for people

}  // namespace kiln::profiling
