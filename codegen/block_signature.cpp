#include "codegen/block_signature.h"

#include <fmt/format.h>

#include "ir/attributes.h"
#include "ir/types.h"

namespace kiln::codegen {
namespace {

std::string layoutText(const Layout& layout) {
  return fmt::format("[{}] blocked {}x{}{}", fmt::join(layout.position, ","), layout.blocked, layout.block,
                     layout.winograd_tile ? fmt::format(" winograd F({0}x{0})", layout.winograd_tile) : "");
}

}  // namespace

std::string blockSignature(const ir::Graph& graph, const fusion::Block& block, const BlockPipeline& built,
                           const ValueLayouts& layouts) {
  std::map<ir::ValueId, std::string> role;
  std::string text;
  for (size_t k = 0; k < built.arguments.size(); ++k) {
    const ir::ValueId id = built.arguments[k];
    role[id] = fmt::format("a{}", k);
    text += fmt::format("{} {} {} {}\n", role[id], graph.isConstant(id) ? "weight" : "activation",
                        ir::toString(graph.type(id)), layoutText(layouts.at(id)));
  }
  for (size_t j = 0; j < block.ops.size(); ++j) {
    const ir::Op& op = graph.ops()[block.ops[j]];
    std::vector<std::string> inputs, attrs, outputs;
    for (ir::ValueId id : op.inputs) inputs.push_back(role.at(id));
    for (const auto& [name, value] : op.attrs.all()) attrs.push_back(name + "=" + ir::attrToString(value));
    for (size_t m = 0; m < op.outputs.size(); ++m) {
      role[op.outputs[m]] = fmt::format("o{}.{}", j, m);
      outputs.push_back(role[op.outputs[m]] + ":" + ir::toString(graph.type(op.outputs[m])));
    }
    text += fmt::format("{} = {}({}) {{{}}}\n", fmt::join(outputs, ", "), op.kind, fmt::join(inputs, ", "),
                        fmt::join(attrs, ", "));
  }
  for (ir::ValueId id : built.outputs)
    text += fmt::format("out {} {}\n", role.at(id), layoutText(layouts.at(id)));
  return text + built.schedule.toString() + built.schedule_note;
}

}  // namespace kiln::codegen
