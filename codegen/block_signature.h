// What a block's compiled function depends on, spelled as text.
//
// Repeated layers give blocks that differ only in their weights and in the names of their values: ResNet-50
// has 39 blocks but 26 distinct ones. Weights are buffer arguments, so two blocks with the same signature
// compile to the same machine code; the compiler builds that function once and both blocks call it.
//
// The signature names every value by its role in the block (argument k, output m of the block's j-th op),
// never by graph id or name, and spells all that lowering and scheduling read: op kinds and attributes, value
// types, the layouts of arguments and outputs (weight packing and the Winograd domain included), which
// arguments are weights, and the schedule the block got.
#pragma once

#include <string>

#include "codegen/block_pipeline.h"

namespace kiln::codegen {

// `built` must be `block` lowered and scheduled (buildBlockPipeline, then scheduleBlock).
std::string blockSignature(const ir::Graph& graph, const fusion::Block& block, const BlockPipeline& built,
                           const ValueLayouts& layouts);

}  // namespace kiln::codegen
