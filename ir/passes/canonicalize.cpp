// The canonical pass pipeline run on every imported graph.
#include "ir/passes/passes.h"
#include "ir/verifier.h"

namespace kiln::ir {

std::vector<PassReport> canonicalize(Graph& graph) {
  struct Pass {
    const char* name;
    int (*run)(Graph&);
  };
  static constexpr Pass kPipeline[] = {{"remove-identities", removeIdentities},
                                       {"fold-batch-norm", foldBatchNorm},
                                       {"fold-constants", foldConstants},
                                       {"dead-code", eliminateDeadCode}};
  std::vector<PassReport> reports;
  for (const Pass& pass : kPipeline) {
    reports.push_back({pass.name, pass.run(graph)});
    verifyOrThrow(graph, std::string("after pass ") + pass.name);
  }
  return reports;
}

}  // namespace kiln::ir
