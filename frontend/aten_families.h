// The aten lowering tables of the op families that live in their own files; findLowering
// (aten_lowering.cpp) looks an op up in its own table and in these.
#pragma once

#include <map>
#include <string>

#include "frontend/lowering.h"

namespace kiln::frontend {

using LoweringTable = std::map<std::string, Lowering>;

// Attention and transformer layers, decomposed into linear, matmul and softmax (aten_attention.cpp).
LoweringTable attentionLowerings();

}  // namespace kiln::frontend
