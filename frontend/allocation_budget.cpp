#include "frontend/allocation_budget.h"

#include <algorithm>

#include <fmt/format.h>

#include "ir/units.h"

namespace kiln::frontend {

c10::DataPtr AllocationBudget::allocate(size_t bytes) const {
  if (bytes > static_cast<uint64_t>(budget_.left))
    throw AllocationBudgetExceeded(fmt::format(
        "evaluating it at import would allocate {} more, past the {} kiln gives a model's import-time "
        "values; give a smaller --input-shape, or export the model again if the file is damaged",
        binaryBytes(static_cast<int64_t>(std::min<size_t>(bytes, INT64_MAX))), binaryBytes(budget_.total)));
  budget_.left -= static_cast<int64_t>(bytes);
  return scope_.previous()->allocate(bytes);
}

}  // namespace kiln::frontend
