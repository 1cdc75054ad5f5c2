// classify: runs an image classifier compiled by `kiln compile` on one input tensor and prints the top five
// classes. It uses only kiln's runtime (kiln_runtime.hpp and its .npy reader): no LibTorch, no libHalide. The
// artifact's library, which carries the Halide runtime, is loaded by the runtime from the artifact directory.
//
//   classify build/resnet18.kiln build/input.npy
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

#include "kiln/kiln_runtime.hpp"
#include "runtime/error.h"
#include "runtime/npy.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s ARTIFACT_DIR INPUT.npy\n", argv[0]);
    return 2;
  }
  kiln::Model model;
  if (kiln::Status status = model.open(argv[1]); !status) {
    std::fprintf(stderr, "classify: %s\n", status.message.c_str());
    return 1;
  }
  kiln::runtime::NpyArray image;
  try {
    image = kiln::runtime::readNpy(argv[2]);
  } catch (const kiln::runtime::Error& e) {
    std::fprintf(stderr, "classify: %s\n", e.what());
    return 1;
  }
  const kiln::TensorSpec scores_spec = model.outputs().at(0);
  if (model.inputs().at(0).shape != image.shape || image.dtype != kiln::runtime::ElementType::Float32) {
    std::fprintf(stderr, "classify: %s is not the float32 image shape the model was compiled for\n", argv[2]);
    return 1;
  }
  std::vector<float> scores(scores_spec.elements);
  if (kiln::Status status = model.run({image.bytes.data()}, {scores.data()}); !status) {
    std::fprintf(stderr, "classify: %s\n", status.message.c_str());
    return 1;
  }
  // Softmax over the scores, then the five most probable classes.
  const float top = *std::max_element(scores.begin(), scores.end());
  double total = 0;
  for (float s : scores) total += std::exp(s - top);
  std::vector<int> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  const size_t shown = std::min<size_t>(5, order.size());
  std::partial_sort(order.begin(), order.begin() + shown, order.end(),
                    [&](int a, int b) { return scores[a] > scores[b]; });
  std::printf("top %zu of %zu classes:\n", shown, scores.size());
  for (size_t k = 0; k < shown; ++k)
    std::printf("  class %4d  score %8.4f  probability %.4f\n", order[k], scores[order[k]],
                std::exp(scores[order[k]] - top) / total);
  return 0;
}
