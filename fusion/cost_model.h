// How long a block would take: the profitability half of fusion decisions, and the per-block estimate the
// reports show.
//
// Strategies ask a LatencyModel for the time of a set of ops run as one block and fuse a "decide by profit"
// pair only when the fused block beats its two parts. The model kiln ships is a roofline: a block takes the
// longer of its FLOPs at peak and its memory traffic at full bandwidth, divided by how well it can use the
// machine's threads, plus a fixed launch cost. Fusion changes all three terms, and the model prices each
// internal value by where it lives (residency.h):
//  - recomputation: a producer streamed into a sliding-window reader (conv, pooling) recomputes the rows
//    neighbouring strips overlap (the halo); halos add up along a chain of windows, and the shorter the
//    strip the more of it is halo;
//  - cache overflow: the stages one strip holds beyond their share of a core's L2 go to memory and back, once
//    per strip, and weights beyond that share are fetched again for every row of output. The block's strip
//    height is the one that prices best between the two (codegen's default);
//  - lost parallelism: such a block can only spread the reader's row strips over threads, and a small output
//    has fewer strips than the machine has threads;
//  - lost schedule: a sum of products (conv, matmul) computed strip by strip inside another's loops runs
//    slower than in a block of its own, where it gets its template's register tiles, thread split and fast
//    algorithm (Winograd). Measured with 2 threads: ResNet-50's 3x3 convs streamed into the next 1x1 conv
//    ran at 0.77-0.84 of their speed alone (direct conv in both), MobileNetV2's 1x1 projections to 24
//    channels streamed into the next block's strips at 0.5-0.66 (Halide's profiler: 0.555 ms against
//    0.26-0.31 as their block's output for 144->24 at 56x56). The model takes the narrow convs' 0.5: at 0.8
//    it put MobileNetV2's first 21 ops in two blocks (one of 15 ops) that ran in 2.7-2.9 ms, against 1.75-2.1
//    ms for the six blocks it makes of them at 0.5. Those figures predate streamed convs staging their
//    computed operand (cpu_schedule.cpp's stageComputedOperand); since, the two plans measured alike (12
//    alternating pairs, medians of the block p10 sums 6.01 ms at 0.8 and 6.13 at 0.5), so the figure is owed
//    a re-measurement;
//  - a materialized value (one a reader needs whole) costs a write and a read, as if the block were cut.
// tuning/measured_latency_model.h implements the same interface with times measured on the machine.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace kiln::fusion {

// The machine the plan is for. The defaults are the project machine's measured figures
// (shared/notes/halide14.md: 2 cores, ~460 GFLOP/s fp32 FMA peak, ~37 GB/s triad bandwidth).
struct Machine {
  double peak_flops = 460e9;     // FLOP/s, all threads
  double bandwidth = 37e9;       // bytes/s to main memory
  double launch_seconds = 2e-6;  // fixed cost of running one block (a pipeline call and its thread fork)
  int threads = 2;
  int64_t stage_bytes = 32 * 1024;   // an intermediate up to this size stays whole in L1 cache inside a block
  int64_t strip_rows = 8;            // the tallest strip of output rows a block streaming into a window uses
  int64_t l2_bytes = 1 << 20;        // a core's L2; half of it holds a strip's stages (stripBudget)
  double streamed_efficiency = 0.5;  // speed of a sum of products streamed inside another op, vs alone

  double ridgeFlopsPerByte() const { return peak_flops / bandwidth; }
  // What a strip's stages may hold before they spill: half the L2, the other half holding the strip's
  // inputs, weights and output tiles. Measured on EfficientNet-B0's block 1 (2 MB L2): stages of 1.0 MB per
  // strip ran in 1.3 ms, of 1.4 MB in 3.3-3.6 ms, of 1.8 MB in 3.6-4.3 ms.
  int64_t stripBudget() const { return l2_bytes / 2; }
};

// How long a block takes, and whether that was measured or estimated.
struct BlockLatency {
  double seconds = 0.0;
  bool measured = false;
};

class LatencyModel {
 public:
  virtual ~LatencyModel() = default;
  // The time to run `ops` (indices into graph.ops(), in graph order) as one block.
  virtual BlockLatency blockLatency(const ir::Graph& graph, const ir::UseIndex& uses,
                                    const std::vector<int>& ops) const = 0;
  virtual std::string describe() const = 0;
};

// What the roofline makes of one block, for the reports as well as the decisions.
struct RooflineEstimate {
  int64_t flops = 0;            // the ops' FLOPs
  int64_t recompute_flops = 0;  // extra FLOPs spent recomputing strip halos
  int64_t streamed_flops = 0;   // FLOPs of sums of products computed inside another op's strips
  int64_t traffic_bytes = 0;    // external inputs, weights and outputs, plus materialized values twice
  int64_t strip_rows = 0;       // output rows per strip (the height that prices best)
  int64_t strip_bytes = 0;      // what one strip's stages hold (a spill over Machine::stripBudget is traffic)
  double parallel_efficiency = 1.0;
  double seconds = 0.0;
};

class RooflineModel : public LatencyModel {
 public:
  explicit RooflineModel(Machine machine) : machine_(machine) {}

  RooflineEstimate estimate(const ir::Graph& graph, const ir::UseIndex& uses,
                            const std::vector<int>& ops) const;
  BlockLatency blockLatency(const ir::Graph& graph, const ir::UseIndex& uses,
                            const std::vector<int>& ops) const override {
    return {estimate(graph, uses, ops).seconds, false};
  }
  std::string describe() const override;
  const Machine& machine() const { return machine_; }

 private:
  struct BlockFacts;
  RooflineEstimate estimateWithStrip(const ir::Graph& graph, const ir::UseIndex& uses,
                                     const BlockFacts& block, int64_t strip_rows) const;
  int64_t refetchedWeights(const BlockFacts& block, int64_t strips) const;

  Machine machine_;
};

// True when `consumer` can compute from `value` strip by strip: `value` is its input 0 and it slides a
// window down the rows (conv, pooling), or it is elementwise. Fills the rows each output row needs.
bool readsRowLocally(const ir::Graph& graph, const ir::Op& consumer, ir::ValueId value,
                     ir::RowWindow* window);

}  // namespace kiln::fusion
