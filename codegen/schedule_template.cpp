#include "codegen/schedule_template.h"

namespace kiln::codegen {

Placement BlockAnalysis::placed(int op) const {
  auto it = placement.find(op);
  return it == placement.end() ? Placement::Root : it->second;
}

int64_t weightBytes(const Stage& accumulator) {
  int64_t bytes = halideExtents(accumulator.tensor)[0] * static_cast<int64_t>(sizeof(float));
  for (int d = 0; d < accumulator.reduction.dimensions(); ++d)
    bytes *= *Halide::Internal::as_const_int(accumulator.reduction[d].extent());
  return bytes;
}

BlockAnalysis analyzeBlock(const BlockPipeline& block, const ir::Graph& graph) {
  BlockAnalysis analysis;
  analysis.placement = placeStages(block);
  analysis.tiled_outputs = tiledOutputs(block);
  analysis.tiled_kept_values = tiledKeptValues(block);
  for (const PlacedStage& s : block.stages) {
    const Placement where = analysis.placed(s.op);
    if (where == Placement::Anchor && s.stage.kind == StageKind::Accumulator) {
      analysis.anchors.push_back(&s);
      if (!analysis.anchor || weightBytes(s.stage) > weightBytes(analysis.anchor->stage)) {
        analysis.anchor = &s;
        analysis.anchor_op = &graph.ops()[s.op];
      }
    }
    if (s.stage.kind == StageKind::WinogradProduct) analysis.winograd = &s;
    analysis.strips = analysis.strips || where == Placement::Strip;
  }
  analysis.anchor_computes_operand = analysis.anchor && computesOperand(block, *analysis.anchor);
  analysis.strip_rows = block.strip_rows;
  analysis.has_stages = !block.stages.empty();
  if (!block.output_funcs.empty()) analysis.out_extents = halideExtents(block.output_funcs[0]);
  return analysis;
}

}  // namespace kiln::codegen
