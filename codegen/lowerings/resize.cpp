// Lowering of resize (nearest and bilinear), with the sampling positions of ATen's CPU kernels
// (UpSample.h: area_pixel_compute_scale, area_pixel_compute_source_index, nearest_idx), computed in fp32 as
// they are there, so that every output samples the same input pixels as PyTorch's.
//  - scale along an axis: (in - 1) / (out - 1) with align_corners (0 for one output), else 1 / scale factor
//    when the model gave one, else in / out;
//  - nearest: input index min(floor(out_index * scale), in - 1);
//  - bilinear: source position scale * out_index with align_corners, else max(scale * (out_index + 0.5) -
//  0.5,
//    0); it blends the two inputs around it (the upper one clamped to the edge) along y and along x.
#include <algorithm>
#include <cmath>
#include <optional>

#include "codegen/lowerings/lowering_helpers.h"

namespace kiln::codegen {
namespace {

using Halide::Expr;

struct Axis {
  int in = 1, out = 1;
  float scale = 1;
  bool align_corners = false;
  double factor = 0;  // the model's scale factor, 0 if it gave a size
};

Axis axis(int in, int out, bool align_corners, double factor) {
  float scale;
  if (align_corners)
    scale = out > 1 ? static_cast<float>(in - 1) / static_cast<float>(out - 1) : 0.0f;
  else
    scale = factor > 0 ? static_cast<float>(1.0 / factor) : static_cast<float>(in) / static_cast<float>(out);
  return {in, out, scale, align_corners, factor};
}

// The input index ATen's fp32 arithmetic samples for output `o` (the lower neighbour for bilinear), on the
// host.
int hostSourceIndex(const Axis& a, int o, bool bilinear) {
  const float position = static_cast<float>(o);
  float source = position * a.scale;
  if (bilinear && !a.align_corners) source = std::max(a.scale * (position + 0.5f) - 0.5f, 0.0f);
  return std::min(static_cast<int>(std::floor(source)), a.in - 1);
}

// The input index as floor((o * multiplier + offset) / divisor), clamped: the form Halide vectorizes into
// dense loads and shuffles. Halide 14 miscompiles the fp32 form on some shapes (FlattenNestedRamps divides
// by zero on arm64 for a 2-wide input resized to 9), so it is used only where no integer form gives the
// same index at every output position.
struct IntegerIndex {
  int multiplier, offset, divisor;
};

// The scale factor as a ratio numerator / denominator with a denominator up to 16 (2, 1.5, 0.25, ...).
std::optional<std::pair<int, int>> ratio(double factor) {
  for (int denominator = 1; denominator <= 16 && factor > 0; ++denominator) {
    const double numerator = factor * denominator;
    if (std::abs(numerator - std::round(numerator)) < 1e-9)
      return std::make_pair(static_cast<int>(std::round(numerator)), denominator);
  }
  return std::nullopt;
}

std::vector<IntegerIndex> candidates(const Axis& a, bool bilinear) {
  std::vector<IntegerIndex> forms;
  if (a.align_corners) {
    if (a.out > 1) forms.push_back({a.in - 1, 0, a.out - 1});
    return forms;
  }
  // Source position (o + 0.5) * in / out - 0.5 for bilinear, o * in / out for nearest; with a scale factor
  // f = num / den, in / out becomes den / num.
  std::vector<std::pair<int, int>> in_over_out{{a.in, a.out}};
  if (auto r = ratio(a.factor)) in_over_out.insert(in_over_out.begin(), {r->second, r->first});
  for (const auto& [p, q] : in_over_out)
    forms.push_back(bilinear ? IntegerIndex{2 * p, p - q, 2 * q} : IntegerIndex{p, 0, q});
  return forms;
}

int evaluate(const IntegerIndex& f, const Axis& a, int o) {
  return std::clamp(std::max(o * f.multiplier + f.offset, 0) / f.divisor, 0, a.in - 1);
}

// The fp32 sampling position of output `o`, as ATen computes it.
Expr samplingPosition(const Axis& a, Expr o, bool bilinear) {
  Expr position = Halide::cast<float>(o);
  if (!bilinear || a.align_corners) return position * a.scale;
  return Halide::max(a.scale * (position + 0.5f) - 0.5f, 0.0f);
}

// The input index at (or below) the sampling position of output `o`.
Expr sourceIndex(const Axis& a, Expr o, bool bilinear) {
  for (const IntegerIndex& f : candidates(a, bilinear)) {
    bool exact = true;
    for (int k = 0; k < a.out && exact; ++k) exact = evaluate(f, a, k) == hostSourceIndex(a, k, bilinear);
    if (exact) return Halide::clamp(Halide::max(o * f.multiplier + f.offset, 0) / f.divisor, 0, a.in - 1);
  }
  Expr source = samplingPosition(a, o, bilinear);
  return Halide::clamp(Halide::cast<int>(source), 0, a.in - 1);
}

struct Neighbours {
  Expr low, high, weight_high;  // input indices around the sampling position, and the weight of `high`
};

Neighbours bilinearNeighbours(const Axis& a, Expr o) {
  Expr source = samplingPosition(a, o, true);
  Expr low = sourceIndex(a, o, true);
  return {low, Halide::min(low + 1, a.in - 1), source - Halide::cast<float>(low)};
}

LoweredOp resize(const LoweringInput& in) {
  const TensorFunc& x = in.inputs[0];
  const ir::Attributes& attrs = in.op.attrs;
  const ir::Shape& out = in.output_types[0].shape;
  const bool align_corners = attrs.getBool("align_corners");
  const std::vector<double>& scales = attrs.getFloats("scales");
  const Axis ay = axis(static_cast<int>(x.shape[2]), static_cast<int>(out[2]), align_corners, scales[0]);
  const Axis ax = axis(static_cast<int>(x.shape[3]), static_cast<int>(out[3]), align_corners, scales[1]);
  if (attrs.getString("mode") == "nearest")
    return single(defineOutput(in, [&](const auto& i) {
      return x.at({i[0], i[1], sourceIndex(ay, i[2], false), sourceIndex(ax, i[3], false)});
    }));
  return single(defineOutput(in, [&](const auto& i) {
    const Neighbours y = bilinearNeighbours(ay, i[2]), xx = bilinearNeighbours(ax, i[3]);
    auto row = [&](Expr row_index) {
      Expr left = x.at({i[0], i[1], row_index, xx.low}), right = x.at({i[0], i[1], row_index, xx.high});
      return left + (right - left) * xx.weight_high;
    };
    Expr top = row(y.low), bottom = row(y.high);
    return top + (bottom - top) * y.weight_high;
  }));
}

}  // namespace

LoweringTable resizeLowerings() {
  return {{"resize", resize}};
}

}  // namespace kiln::codegen
