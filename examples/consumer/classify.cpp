// classify: runs an image classifier compiled by `kiln compile` on one image and prints the five most
// probable classes. It uses only kiln's installed runtime API (<kiln/kiln_runtime.hpp>): no LibTorch, no
// libHalide; the runtime loads the artifact's library, which carries the Halide runtime.
//
//   classify resnet18.kiln image.f32 [scores.f32]
//
// image.f32 holds the model's input as raw float32 values, row-major (numpy's `tofile`); the optional third
// argument receives the raw float32 scores.
#include <kiln/kiln_runtime.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <numeric>
#include <optional>
#include <vector>

namespace {

// The file's bytes, or nothing if it cannot be read.
std::optional<std::vector<char>> readBytes(const char* path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return std::nullopt;
  return std::vector<char>{std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

void printTopFive(const std::vector<float>& scores) {
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
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 && argc != 4) {
    std::fprintf(stderr, "usage: %s ARTIFACT_DIR IMAGE.f32 [SCORES.f32]\n", argv[0]);
    return 2;
  }
  kiln::Model model;
  if (kiln::Status status = model.open(argv[1]); !status) {
    std::fprintf(stderr, "classify: %s\n", status.message.c_str());
    return 1;
  }
  if (model.inputs().size() != 1 || model.outputs().size() != 1) {
    std::fprintf(stderr, "classify: %s is not a model with one input (the image) and one output\n", argv[1]);
    return 1;
  }
  const kiln::TensorSpec image_spec = model.inputs()[0], scores_spec = model.outputs()[0];
  const std::optional<std::vector<char>> bytes = readBytes(argv[2]);
  if (!bytes) {
    std::fprintf(stderr, "classify: cannot read %s\n", argv[2]);
    return 1;
  }
  if (image_spec.dtype != KILN_FLOAT32 || bytes->size() != image_spec.elements * sizeof(float)) {
    std::fprintf(stderr, "classify: %s is not the %lld float32 values of the model's input (%zu bytes)\n",
                 argv[2], static_cast<long long>(image_spec.elements), bytes->size());
    return 1;
  }
  std::vector<float> image(image_spec.elements);
  std::memcpy(image.data(), bytes->data(), bytes->size());
  std::vector<float> scores(scores_spec.elements);
  if (kiln::Status status = model.run({image.data()}, {scores.data()}); !status) {
    std::fprintf(stderr, "classify: %s\n", status.message.c_str());
    return 1;
  }
  printTopFive(scores);
  if (argc == 4 && !std::ofstream(argv[3], std::ios::binary)
                        .write(reinterpret_cast<const char*>(scores.data()),
                               static_cast<std::streamsize>(scores.size() * sizeof(float)))) {
    std::fprintf(stderr, "classify: cannot write %s\n", argv[3]);
    return 1;
  }
  return 0;
}
