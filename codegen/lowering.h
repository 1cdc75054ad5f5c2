// Op lowerings: how each IR op kind becomes Halide Funcs.
//
// There is exactly one lowering per op kind, looked up by kind (lowerings/*.cpp register them by family:
// elementwise, convolution, pooling, ...). A lowering receives its inputs as TensorFuncs and returns one
// TensorFunc per op output; it may define helper Funcs, and reports the ones a schedule must place (every
// Func with a reduction) as Stages. Lowerings state WHAT is computed, never where or when: schedule.h decides
// that.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "codegen/tensor_func.h"
#include "ir/graph.h"

namespace kiln::codegen {

enum class StageKind {
  Accumulator,  // conv2d / linear / matmul: a sum of products; anchors register-blocked schedules
  Reduction,    // pooling, mean, softmax and norm statistics: a window or axis reduction
  KeptValue,    // a cheap op's value fusion keeps rather than recomputes for every read (fusion/residency.h)
  PaddedInput,  // a padded dense conv's input with its zero border: copied once when it reads only block
                // inputs, otherwise inlined into the taps (its producers are streamed or staged stages)
  // A Winograd conv's transformed input windows, their 36 channel sums and the output transform's column
  // pass (winograd.h); the winograd template places all three per group of output tiles.
  WinogradInput,
  WinogradProduct,
  WinogradOutput,
};

inline bool isWinograd(StageKind kind) {
  return kind == StageKind::WinogradInput || kind == StageKind::WinogradProduct ||
         kind == StageKind::WinogradOutput;
}

struct Stage {
  TensorFunc tensor;
  StageKind kind;
  Halide::RDom reduction;
  // Accumulators: the activation the products read along reduction[0], which GPU schedules stage in shared
  // memory chunk by chunk (with its shape and layout: a matmul's operand stored NHWC is not read along its
  // innermost dimension). WinogradInput: the row pass of the input transform. Undefined for other stages.
  TensorFunc operand = {};
  // Accumulators of a grouped conv: its output channels per group, else 0. A vector of output channels inside
  // one group reads the same input channel in every lane (one broadcast); a vector straddling groups gathers.
  int group_width = 0;
};

struct LoweringInput {
  const ir::Op& op;
  std::vector<TensorFunc> inputs;
  std::vector<ir::TensorType> output_types;
  std::vector<std::string> output_names;  // unique Func names, one per op output
  std::vector<Layout> output_layouts;
};

struct LoweredOp {
  std::vector<TensorFunc> outputs;
  std::vector<Stage> stages;
};

using Lowering = std::function<LoweredOp(const LoweringInput&)>;

// The lowering for a kind; kiln::Error naming the kind if it has none.
const Lowering& loweringFor(const std::string& kind);
bool hasLowering(const std::string& kind);

// Registration, called once per family by the table in lowering.cpp.
using LoweringTable = std::vector<std::pair<std::string, Lowering>>;
LoweringTable elementwiseLowerings();
LoweringTable convolutionLowerings();
LoweringTable poolingLowerings();
LoweringTable resizeLowerings();
LoweringTable normalizationLowerings();
LoweringTable dataMovementLowerings();

}  // namespace kiln::codegen
