// Reference kernel of resize: ATen's upsampling, given the same sizes and scale factors the model gave.
#include "frontend/reference/kernels.h"

namespace kiln::frontend::reference {

namespace {

Outputs resize(const Inputs& in, const ir::Attributes& a) {
  auto scale = [&](int d) {
    return a.getFloats("scales")[d] > 0 ? c10::optional<double>(a.getFloats("scales")[d]) : c10::nullopt;
  };
  if (a.getString("mode") == "nearest")
    return {at::upsample_nearest2d(in[0], ints(a, "size"), scale(0), scale(1))};
  return {at::upsample_bilinear2d(in[0], ints(a, "size"), a.getBool("align_corners"), scale(0), scale(1))};
}

}  // namespace

KernelTable resizeKernels() {
  return {{"resize", resize}};
}

}  // namespace kiln::frontend::reference
