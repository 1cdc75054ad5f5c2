#include "fusion/residency.h"

#include "ir/summary.h"

namespace kiln::fusion {

const char* residencyName(Residency residency) {
  switch (residency) {
    case Residency::Cached:
      return "cached";
    case Residency::Streamed:
      return "streamed";
    case Residency::Inlined:
      return "inlined";
    case Residency::Materialized:
      return "materialized";
  }
  return "?";
}

std::map<ir::ValueId, Residency> classifyInternals(const ir::Graph& graph, const ir::UseIndex& uses,
                                                   const std::vector<int>& ops, const Machine& machine) {
  std::vector<bool> in_block(graph.ops().size(), false);
  for (int op : ops) in_block[op] = true;
  std::map<ir::ValueId, bool> needed_whole;
  std::map<ir::ValueId, Residency> residency;
  for (auto it = ops.rbegin(); it != ops.rend(); ++it) {  // readers before the values they read
    const ir::Op& op = graph.ops()[*it];
    bool cheap = ir::mappingOf(graph, op) != ir::MappingType::ManyToMany;
    for (ir::ValueId out : op.outputs) {
      if (uses.is_graph_output[out]) continue;
      bool internal = true, whole = false;
      for (int user : uses.users[out]) {
        if (!in_block[user]) {
          internal = false;
          break;
        }
        const ir::Op& reader = graph.ops()[user];
        ir::RowWindow window;
        bool reader_inlined_whole = false;
        if (ir::mappingOf(graph, reader) != ir::MappingType::ManyToMany)
          for (ir::ValueId reader_out : reader.outputs)
            reader_inlined_whole = reader_inlined_whole || needed_whole[reader_out];
        whole = whole || reader_inlined_whole || !readsRowLocally(graph, reader, out, &window);
      }
      if (!internal) continue;
      needed_whole[out] = whole;
      if (graph.type(out).bytes() <= machine.stage_bytes)
        residency[out] = Residency::Cached;
      else if (!whole)
        residency[out] = Residency::Streamed;
      else
        residency[out] = cheap ? Residency::Inlined : Residency::Materialized;
    }
  }
  return residency;
}

}  // namespace kiln::fusion
