// Helpers shared by the tests that run the exported model zoo.
#pragma once

#include <string>

#include <ATen/ATen.h>

namespace kiln::testing {

inline std::string zooModel(const std::string& name) {
  return std::string(KILN_ZOO_DIR) + "/" + name + ".pt";
}

// Max |a - b| relative to the scale of `reference` (its max |value|, at least 1e-12).
// Max |actual - reference| over max |reference|; int64 and bool tensors compare as numbers.
inline double scaledMaxError(const at::Tensor& actual, const at::Tensor& reference) {
  const at::Tensor a = actual.to(at::kDouble), r = reference.to(at::kDouble);
  double scale = std::max(r.abs().max().item<double>(), 1e-12);
  return (a - r).abs().max().item<double>() / scale;
}

}  // namespace kiln::testing
