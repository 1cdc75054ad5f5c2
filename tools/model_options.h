// Options shared by every subcommand that reads a model: the file and its input shapes.
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "frontend/torchscript_importer.h"
#include "ir/graph.h"

namespace kiln::tools {

struct ModelOptions {
  std::string path;
  std::vector<std::string> input_shapes;  // "1x3x224x224" or "2x16:i64", one per model input

  void addTo(CLI::App& command);
  // The parsed --input-shape values (kiln::Error naming a malformed one): shapes and dtypes.
  std::vector<ir::TensorType> inputs() const;
  // How they import: the given shapes and dtypes, or (none given) the ones stored in the file.
  frontend::ImportOptions importOptions() const;
  // Imports the model as it is, before the IR passes (kiln::Error on any problem).
  ir::Graph import() const;
};

}  // namespace kiln::tools
