#include "codegen/placement.h"

#include <algorithm>
#include <set>

namespace kiln::codegen {
namespace {

// The stage-owning ops and outputs (-1 - k) that read `op`'s results, looking through inlined ops.
std::set<int> stagedReaders(const BlockPipeline& block, const std::set<int>& stage_ops, int op) {
  std::set<int> found;
  auto it = block.readers.find(op);
  if (it == block.readers.end()) return found;
  for (int reader : it->second) {
    if (reader < 0 || stage_ops.count(reader)) {
      found.insert(reader);
    } else {
      std::set<int> further = stagedReaders(block, stage_ops, reader);
      found.insert(further.begin(), further.end());
    }
  }
  return found;
}

// Accumulators of rank >= 2 whose only reader, through inlined ops, is an output (-1 - k) or a stage that
// `tiles` accepts, mapped to that reader.
template <typename Accept>
std::map<int, int> accumulatorsBySoleReader(const BlockPipeline& block, Accept tiles) {
  std::map<int, int> tiled;
  std::set<int> stage_ops;
  for (const PlacedStage& s : block.stages) stage_ops.insert(s.op);
  for (const PlacedStage& s : block.stages) {
    if (s.stage.kind != StageKind::Accumulator || s.stage.tensor.rank() < 2) continue;
    const std::set<int> readers = stagedReaders(block, stage_ops, s.op);
    if (readers.size() == 1 && tiles(s.stage.tensor, *readers.begin())) tiled[s.op] = *readers.begin();
  }
  return tiled;
}

bool sameElements(const TensorFunc& a, const TensorFunc& b) {
  return a.shape == b.shape && a.layout == b.layout;
}

// The ops of the block whose results `op` reads directly.
std::vector<int> producersOf(const BlockPipeline& block, int op) {
  std::vector<int> producers;
  for (const auto& [producer, readers] : block.readers)
    if (std::find(readers.begin(), readers.end(), op) != readers.end()) producers.push_back(producer);
  return producers;
}

bool ownsStage(const BlockPipeline& block, int op) {
  return std::any_of(block.stages.begin(), block.stages.end(),
                     [&](const PlacedStage& s) { return s.op == op; });
}

}  // namespace

bool readsStagedValues(const BlockPipeline& block, int op) {
  for (int producer : producersOf(block, op))
    if (ownsStage(block, producer) || readsStagedValues(block, producer)) return true;
  return false;
}

bool computesOperand(const BlockPipeline& block, const PlacedStage& conv) {
  const Stage& stage = conv.stage;
  if (stage.kind != StageKind::Accumulator || !stage.operand.func.defined()) return false;
  for (int d = 1; d < stage.reduction.dimensions(); ++d)
    if (!Halide::Internal::is_const_one(stage.reduction[d].extent())) return false;
  for (int producer : producersOf(block, conv.op))
    if (!ownsStage(block, producer)) return true;
  return false;
}

std::vector<int> halideExtents(const TensorFunc& t) {
  std::vector<int> extents;
  for (int64_t e : t.layout.halideExtents(t.shape)) extents.push_back(static_cast<int>(e));
  return extents;
}

std::map<int, int> tiledOutputs(const BlockPipeline& block) {
  if (block.output_funcs.size() < 2) return {};
  std::map<int, int> tiled = accumulatorsBySoleReader(block, [&](const TensorFunc& acc, int reader) {
    return reader < 0 && sameElements(acc, block.output_funcs[-1 - reader]);
  });
  for (auto& [op, reader] : tiled) reader = -1 - reader;
  return tiled;
}

std::map<int, int> tiledKeptValues(const BlockPipeline& block) {
  return accumulatorsBySoleReader(block, [&](const TensorFunc& acc, int reader) {
    return std::any_of(block.stages.begin(), block.stages.end(), [&](const PlacedStage& s) {
      return s.op == reader && s.stage.kind == StageKind::KeptValue && sameElements(acc, s.stage.tensor);
    });
  });
}

std::map<int, Placement> placeStages(const BlockPipeline& block) {
  std::map<int, Placement> placement;
  if (block.output_funcs.size() != 1) return placement;
  const TensorFunc& out = block.output_funcs[0];
  // A rank-4 model output kept in PyTorch's layout gets the plain schedule.
  if (out.rank() < 2 || out.layout != activationLayout(out.rank())) return placement;
  std::set<int> stage_ops;
  for (const PlacedStage& s : block.stages) stage_ops.insert(s.op);
  const auto hasRows = [](const TensorFunc& t) { return t.rank() == 4 && t.shape[2] > 1; };
  for (auto s = block.stages.rbegin(); s != block.stages.rend(); ++s) {
    if (placement.count(s->op) || s->stage.kind == StageKind::PaddedInput || isWinograd(s->stage.kind))
      continue;
    const TensorFunc& t = s->stage.tensor;
    const bool own_stage_only =
        std::count_if(block.stages.begin(), block.stages.end(), [&](const PlacedStage& o) {
          return o.op == s->op && o.stage.kind != StageKind::PaddedInput && !isWinograd(o.stage.kind);
        }) == 1;
    if (stagedReaders(block, stage_ops, s->op) == std::set<int>{-1} && own_stage_only &&
        s->stage.kind == StageKind::Accumulator && t.shape == out.shape && t.layout == out.layout) {
      placement[s->op] = Placement::Anchor;
      continue;
    }
    // Fusion decided where an internal value lives; the stage computing a block output runs per strip of
    // its rows when there are rows.
    auto where = block.residency.find(s->op);
    const bool streamed = hasRows(t) && hasRows(out) &&
                          (where == block.residency.end() || where->second == fusion::Residency::Streamed);
    placement[s->op] = streamed ? Placement::Strip : Placement::Root;
  }
  return placement;
}

}  // namespace kiln::codegen
