#include "tools/model_options.h"

#include "ir/error.h"

namespace kiln::tools {

void ModelOptions::addTo(CLI::App& command) {
  command.add_option("model", path, "TorchScript model file (.pt), traced or scripted")->required();
  command.add_option(
      "--input-shape", input_shapes,
      "input shape such as 1x3x224x224, with :i64 or :bool for token ids or masks (2x16:i64), once per model "
      "input (default: the shapes stored in the file)");
}

std::vector<ir::TensorType> ModelOptions::inputs() const {
  std::vector<ir::TensorType> inputs;
  for (const std::string& text : input_shapes) {
    auto input = ir::parseInputSpec(text);
    if (!input)
      fail(
          "--input-shape '{}' is not a shape; write positive sizes joined by 'x', e.g. 1x3x224x224 (at most "
          "2^40 elements), and for an int64 or bool input :i64 or :bool after them",
          text);
    inputs.push_back(*input);
  }
  return inputs;
}

frontend::ImportOptions ModelOptions::importOptions() const {
  frontend::ImportOptions options;
  for (const ir::TensorType& input : inputs()) {
    options.input_shapes.push_back(input.shape);
    options.input_dtypes.push_back(input.dtype);
  }
  return options;
}

ir::Graph ModelOptions::import() const {
  return frontend::importTorchScript(path, importOptions());
}

}  // namespace kiln::tools
