// Helpers shared by the tests that run the exported model zoo.
#pragma once

#include <string>

#include <ATen/ATen.h>

namespace kiln::testing {

inline std::string zooModel(const std::string& name) {
  return std::string(KILN_ZOO_DIR) + "/" + name + ".pt";
}

// Max |a - b| relative to the scale of `reference` (its max |value|, at least 1e-12).
inline double scaledMaxError(const at::Tensor& actual, const at::Tensor& reference) {
  double scale = std::max(reference.abs().max().item<double>(), 1e-12);
  return (actual - reference).abs().max().item<double>() / scale;
}

}  // namespace kiln::testing
