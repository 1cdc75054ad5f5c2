// `kiln ops`: the op kinds of kiln's IR with their inputs, dtypes, attributes and description — what a model
// may use.
#include <fmt/format.h>

#include "ir/op_registry.h"
#include "tools/commands.h"

namespace kiln::tools {

namespace {

std::string inputCount(const ir::OpDef& def) {
  if (def.max_inputs == ir::kVariadic) return fmt::format("{}+", def.min_inputs);
  if (def.max_inputs == def.min_inputs) return std::to_string(def.min_inputs);
  return fmt::format("{}-{}", def.min_inputs, def.max_inputs);
}

void run() {
  fmt::print("{:<20} {:>6}  {:<15}  {:<40} {}\n", "kind", "inputs", "dtypes", "attributes", "description");
  for (const ir::OpDef& def : ir::OpRegistry::global().all()) {
    std::vector<std::string> attrs;
    for (const ir::AttrSpec& a : def.attrs)
      attrs.push_back(a.default_value ? fmt::format("{}={}", a.name, ir::attrToString(*a.default_value))
                                      : a.name);
    fmt::print("{:<20} {:>6}  {:<15}  {:<40} {}\n", def.kind, inputCount(def), ir::dtypeList(def),
               fmt::format("{}", fmt::join(attrs, " ")), def.description);
  }
}

}  // namespace

void addOpsCommand(CLI::App& app) {
  app.add_subcommand("ops", "List the op kinds kiln's IR supports")->callback(run);
}

}  // namespace kiln::tools
