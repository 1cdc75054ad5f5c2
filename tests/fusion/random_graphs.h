// Random but valid IR graphs for property tests of the partitioner: random op kinds (elementwise, broadcast,
// convolutions of several shapes and groups, pooling, a global pool feeding a squeeze-excitation style
// broadcast, reshape and linear, multi-output split with cat), random fan-in and fan-out (operands drawn from
// every value defined so far, biased towards recent ones) and random sizes, so that intermediates fall on
// both sides of the cost model's cache threshold.
#pragma once

#include <random>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace kiln::testing {

class RandomGraphBuilder {
 public:
  explicit RandomGraphBuilder(uint32_t seed) : rng_(seed) {}

  ir::Graph build() {
    channels_ = pick(1, 48);
    height_ = pick(1, 40);
    width_ = pick(1, 40);
    ir::Graph graph("random");
    graph_ = &graph;
    values_.assign(4, {});
    add(Full, graph.addInput("x", {ir::DType::Float32, {1, channels_, height_, width_}}));
    int ops = pick(1, 40);
    for (int i = 0; i < ops; ++i) addRandomOp();
    std::vector<ir::ValueId> outputs;
    ir::UseIndex uses(graph);
    for (const ir::Op& op : graph.ops())
      for (ir::ValueId out : op.outputs)
        if (uses.users[out].empty() || pick(0, 9) == 0) outputs.push_back(out);
    if (outputs.empty()) outputs.push_back(graph.inputs()[0]);
    graph.setOutputs(outputs);
    return graph;
  }

 private:
  enum Class { Full, Half, Vector, Flat };  // [1,C,H,W], [1,C/2,H,W], [1,C,1,1], [1,C]

  int64_t pick(int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng_); }

  void add(Class c, ir::ValueId id) { values_[c].push_back(id); }

  // An operand of the class, usually one of the last few defined, sometimes any (long skip connections).
  ir::ValueId operand(Class c) {
    const auto& list = values_[c];
    int64_t n = static_cast<int64_t>(list.size());
    if (pick(0, 3) == 0) return list[pick(0, n - 1)];
    return list[std::max<int64_t>(0, n - 1 - pick(0, 2))];
  }

  ir::ValueId weight(ir::Shape shape) {
    return graph_->addConstant("w" + std::to_string(next_weight_++),
                               ir::Tensor::filled(std::move(shape), 0.5f));
  }

  void addRandomOp() {
    static const char* kUnary[] = {"relu", "sigmoid", "silu", "tanh", "hardswish"};
    static const char* kBinary[] = {"add", "mul", "sub"};
    ir::Graph& g = *graph_;
    switch (pick(0, 9)) {
      case 0:
      case 1: {  // elementwise on any value
        Class c = pickNonEmpty();
        add(c, g.addOp1(kUnary[pick(0, 4)], {operand(c)}));
        break;
      }
      case 2: {  // binary, same class or a broadcast vector
        Class c = pickNonEmpty();
        bool broadcast = c == Full && !values_[Vector].empty() && pick(0, 1) == 0;
        ir::ValueId b = broadcast ? operand(Vector) : operand(c);
        add(c, g.addOp1(kBinary[pick(0, 2)], {operand(c), b}));
        break;
      }
      case 3:
      case 4: {  // convolution: 1x1, 3x3 or depthwise, on a feature map or a vector
        bool on_vector = !values_[Vector].empty() && pick(0, 3) == 0;
        int64_t k = on_vector ? 1 : (pick(0, 1) ? 3 : 1);
        int64_t groups = !on_vector && pick(0, 2) == 0 ? channels_ : 1;
        ir::ValueId w = weight({channels_, channels_ / groups, k, k});
        ir::Attributes attrs = {{"padding", std::vector<int64_t>{k / 2, k / 2}}, {"groups", groups}};
        Class c = on_vector ? Vector : Full;
        add(c, g.addOp1("conv2d", {operand(c), w, weight({channels_})}, attrs));
        break;
      }
      case 5:  // pooling that keeps the size
        add(Full, g.addOp1("max_pool2d", {operand(Full)},
                           {{"kernel_size", std::vector<int64_t>{3, 3}},
                            {"stride", std::vector<int64_t>{1, 1}},
                            {"padding", std::vector<int64_t>{1, 1}}}));
        break;
      case 6:  // global pool to a vector
        add(Vector,
            g.addOp1("adaptive_avg_pool2d", {operand(Full)}, {{"output_size", std::vector<int64_t>{1, 1}}}));
        break;
      case 7:  // classifier-like head
        if (values_[Vector].empty()) return;
        add(Flat, g.addOp1("reshape", {operand(Vector)}, {{"shape", std::vector<int64_t>{1, channels_}}}));
        add(Flat, g.addOp1("linear", {operand(Flat), weight({channels_, channels_}), weight({channels_})}));
        break;
      case 8:  // split into halves: one op, two outputs
        if (channels_ % 2 != 0) return;
        for (ir::ValueId half :
             g.addOp("split", {operand(Full)},
                     {{"dim", int64_t{1}}, {"sizes", std::vector<int64_t>{channels_ / 2, channels_ / 2}}}))
          add(Half, half);
        break;
      case 9:  // cat two halves back
        if (values_[Half].empty()) return;
        add(Full, g.addOp1("cat", {operand(Half), operand(Half)}, {{"dim", int64_t{1}}}));
        break;
    }
  }

  Class pickNonEmpty() {
    while (true) {
      Class c = static_cast<Class>(pick(0, 3));
      if (!values_[c].empty()) return c;
    }
  }

  std::mt19937 rng_;
  ir::Graph* graph_ = nullptr;
  std::vector<std::vector<ir::ValueId>> values_;
  int64_t channels_ = 1, height_ = 1, width_ = 1;
  int next_weight_ = 0;
};

}  // namespace kiln::testing
