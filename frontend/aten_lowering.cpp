// findLowering: the aten op tables of every family (frontend/aten/), merged once.
#include "frontend/aten/families.h"

namespace kiln::frontend {

namespace {

LoweringTable allLowerings() {
  LoweringTable all;
  for (LoweringTable family : {elementwiseLowerings(), convolutionLowerings(), normalizationLowerings(),
                               poolingLowerings(), reductionLowerings(), resizeLowerings(),
                               dataMovementLowerings(), attentionLowerings(), recurrentLowerings()})
    all.merge(family);
  return all;
}

}  // namespace

Lowering findLowering(const std::string& op_name) {
  static const LoweringTable table = allLowerings();
  auto it = table.find(op_name);
  return it == table.end() ? nullptr : it->second;
}

}  // namespace kiln::frontend
