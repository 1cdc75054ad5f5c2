#include "codegen/schedule_template.h"

namespace kiln::codegen {

Placement BlockAnalysis::placed(int op) const {
  auto it = placement.find(op);
  return it == placement.end() ? Placement::Root : it->second;
}

int64_t reductionSize(const Stage& stage) {
  int64_t size = 1;
  for (int d = 0; d < stage.reduction.dimensions(); ++d)
    size *= *Halide::Internal::as_const_int(stage.reduction[d].extent());
  return size;
}

BlockAnalysis analyzeBlock(const BlockPipeline& block, const ir::Graph& graph) {
  BlockAnalysis analysis;
  analysis.placement = placeStages(block);
  for (const PlacedStage& s : block.stages) {
    const Placement where = analysis.placed(s.op);
    if (where == Placement::Anchor && s.stage.kind == StageKind::Accumulator) {
      analysis.anchors.push_back(&s);
      if (!analysis.anchor || reductionSize(s.stage) > reductionSize(analysis.anchor->stage)) {
        analysis.anchor = &s;
        analysis.anchor_op = &graph.ops()[s.op];
      }
    }
    analysis.strips = analysis.strips || where == Placement::Strip;
  }
  analysis.has_stages = !block.stages.empty();
  if (!block.output_funcs.empty()) analysis.out_extents = halideExtents(block.output_funcs[0]);
  return analysis;
}

}  // namespace kiln::codegen
