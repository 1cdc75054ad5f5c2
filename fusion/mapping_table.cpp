#include "fusion/mapping_table.h"

namespace kiln::fusion {

PairRule lookupPair(ir::MappingType first, ir::MappingType second) {
  using M = ir::MappingType;
  constexpr PairVerdict F = PairVerdict::Fuse, P = PairVerdict::Profit, B = PairVerdict::Break;
  struct Cell {
    PairVerdict verdict;
    M fused;
  };
  // Rows (first) and columns (second) in the order of ir::MappingType: 1-1, Reorg, Shuffle, 1-M, M-M.
  // clang-format off
  static const Cell kTable[5][5] = {
      /* 1-1     */ {{F, M::OneToOne},   {F, M::Reorganize}, {F, M::Shuffle},    {F, M::OneToMany}, {F, M::ManyToMany}},
      /* Reorg   */ {{F, M::Reorganize}, {F, M::Reorganize}, {F, M::Reorganize}, {P, M::OneToMany}, {P, M::ManyToMany}},
      /* Shuffle */ {{F, M::Shuffle},    {F, M::Reorganize}, {F, M::Shuffle},    {P, M::OneToMany}, {P, M::ManyToMany}},
      /* 1-M     */ {{F, M::OneToMany},  {P, M::OneToMany},  {P, M::OneToMany},  {F, M::OneToMany}, {B, M::ManyToMany}},
      /* M-M     */ {{F, M::ManyToMany}, {P, M::ManyToMany}, {P, M::ManyToMany}, {P, M::ManyToMany}, {B, M::ManyToMany}},
  };
  // clang-format on
  const Cell& cell = kTable[static_cast<int>(first)][static_cast<int>(second)];
  return {cell.verdict, cell.fused};
}

const char* shortMappingName(ir::MappingType type) {
  switch (type) {
    case ir::MappingType::OneToOne:
      return "1-1";
    case ir::MappingType::Reorganize:
      return "reorg";
    case ir::MappingType::Shuffle:
      return "shuffle";
    case ir::MappingType::OneToMany:
      return "1-M";
    case ir::MappingType::ManyToMany:
      return "M-M";
  }
  return "?";
}

}  // namespace kiln::fusion
