#include "tools/model_options.h"

#include "frontend/torchscript_importer.h"
#include "ir/error.h"

namespace kiln::tools {

void ModelOptions::addTo(CLI::App& command) {
  command.add_option("model", path, "TorchScript model file (.pt), traced or scripted")->required();
  command.add_option(
      "--input-shape", input_shapes,
      "input shape such as 1x3x224x224, once per model input (default: the shape stored in the file)");
}

std::vector<ir::Shape> ModelOptions::shapes() const {
  std::vector<ir::Shape> shapes;
  for (const std::string& text : input_shapes) {
    auto shape = ir::parseShape(text);
    if (!shape)
      fail("--input-shape '{}' is not a shape; write positive sizes joined by 'x', e.g. 1x3x224x224", text);
    shapes.push_back(*shape);
  }
  return shapes;
}

ir::Graph ModelOptions::import() const {
  return frontend::importTorchScript(path, frontend::ImportOptions{shapes()});
}

}  // namespace kiln::tools
