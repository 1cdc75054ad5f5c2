// DNNFusion's pairwise fusion table (Niu et al., PLDI 2021, Table 3): for a producer whose mapping type is
// `first` and a consumer of type `second`, whether fusing them is always profitable, never done, or to be
// decided by profit, and the mapping type of the fused result.
//
//   first \ second   1-1      1-M      M-M      Reorg    Shuffle
//   1-1              1-1      1-M      M-M      Reorg    Shuffle     (all fuse)
//   1-M              1-M      1-M      break    1-M?     1-M?
//   M-M              M-M      M-M?     break    M-M?     M-M?
//   Reorg            Reorg    1-M?     M-M?     Reorg    Reorg
//   Shuffle          Shuffle  1-M?     M-M?     Reorg    Shuffle
//
// "?" marks the cells the paper leaves to measured latency ("legal, profit unknown"); kiln asks its
// LatencyModel. Everything with One-to-One fuses, in either order.
#pragma once

#include "ir/op_registry.h"

namespace kiln::fusion {

enum class PairVerdict { Fuse, Profit, Break };

struct PairRule {
  PairVerdict verdict;
  ir::MappingType fused;  // the fused block's mapping type (meaningless for Break)
};

PairRule lookupPair(ir::MappingType first, ir::MappingType second);

const char* shortMappingName(ir::MappingType type);  // "1-1", "1-M", "M-M", "reorg", "shuffle"

}  // namespace kiln::fusion
