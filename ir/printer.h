// Prints a graph as IR text; ir/parser.h reads the same text back.
//
//   graph lenet5(%x: f32[1,1,32,32]) {
//     %conv1.weight: f32[6,1,5,5] = constant <elided>
//     %c: f32[2] = constant dense<0.5, 2>
//     %0: f32[1,6,28,28] = conv2d(%x, %conv1.weight) {dilation=[1,1], groups=1, padding=[0,0], stride=[1,1]}
//     %a: f32[1,3,28,28], %b: f32[1,3,28,28] = split(%0) {dim=1, sizes=[3,3]} loc("model.py:12")
//     return %a, %b
//   }
//
// `#` starts a comment that runs to the end of the line. Float constants print in the shortest form that
// reads back as the same float, so printing with full constants and parsing again gives an identical graph.
#pragma once

#include <string>

#include "ir/graph.h"

namespace kiln::ir {

struct PrintOptions {
  // Large constants print as `<elided>` (the parser refuses those); small ones always print in full.
  bool elide_constants = true;
  // A trailing comment on every op with its mapping type and FLOPs.
  bool annotate = false;
};

std::string printGraph(const Graph& graph, const PrintOptions& options = {});

}  // namespace kiln::ir
