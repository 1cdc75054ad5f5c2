#include "fusion/strategies.h"

#include "ir/error.h"

namespace kiln::fusion {

const std::vector<std::string>& strategyNames() {
  static const std::vector<std::string> names = {"none", "pattern", "dnnfusion"};
  return names;
}

Plan partition(const ir::Graph& graph, const std::string& strategy, const PartitionOptions& options) {
  if (strategy == "none") return partitionNone(graph, options);
  if (strategy == "pattern") return partitionPattern(graph, options);
  if (strategy == "dnnfusion") {
    if (options.latency) return partitionDnnFusion(graph, options, *options.latency);
    return partitionDnnFusion(graph, options, RooflineModel(options.machine));
  }
  fail("unknown fusion strategy '{}'; choose none, pattern or dnnfusion", strategy);
}

}  // namespace kiln::fusion
