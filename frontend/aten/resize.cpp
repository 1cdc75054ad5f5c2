// Upsampling (nearest and bilinear) into the resize kind.
//
// Argument positions follow the aten schemas (native_functions.yaml); a variant kiln does not handle says so
// through LoweringContext::unsupported.
#include <cmath>

#include "frontend/aten/families.h"

namespace kiln::frontend {
namespace {

using Ctx = LoweringContext;
using ir::ValueId;

// upsample_{nearest,bilinear}2d in their two spellings: (input, output_size?, [align_corners,]
// scale_factors?) (the .vec overload F.interpolate calls) and (self, output_size, [align_corners,] scales_h?,
// scales_w?). The output size is given, or floor(size * scale factor); given scale factors also set the
// sampling positions (PyTorch's rule).
std::vector<Binding> upsample(Ctx& c, const std::string& mode) {
  const int first_scale = mode == "bilinear" ? 3 : 2;
  const ir::Shape in = c.type(0).shape;
  if (in.size() != 4) c.unsupported("upsampling of other than 4-D (NCHW) input");
  std::vector<double> scales{0.0, 0.0};
  if (c.numInputs() == first_scale + 1) {  // the .vec overload: one optional list of scale factors
    if (!c.isNone(first_scale)) {
      const c10::IValue& v = c.constant(first_scale);
      if (!v.isDoubleList() || v.toDoubleVector().size() != 2)
        c.unsupported("scale_factors must hold 2 floats");
      scales = v.toDoubleVector();
    }
  } else {
    for (int d = 0; d < 2; ++d) scales[d] = c.isNone(first_scale + d) ? 0.0 : c.toDouble(first_scale + d);
  }
  std::vector<int64_t> size;
  if (!c.isNone(1)) {
    size = pair(c, 1);
  } else {
    for (int d = 0; d < 2; ++d) {
      if (!(scales[d] > 0)) c.unsupported("upsampling without an output size or positive scale factors");
      const double extent = std::floor(static_cast<double>(in[2 + d]) * scales[d]);
      if (!(extent <= static_cast<double>(ir::kMaxShapeElements)))  // converted past int64: undefined
        c.unsupported(fmt::format("a scale factor of {} for a size of {}", scales[d], in[2 + d]));
      size.push_back(static_cast<int64_t>(extent));
    }
  }
  return one(c.emit("resize", {c.tensor(0)},
                    {{"size", size},
                     {"mode", mode},
                     {"align_corners", mode == "bilinear" && c.toBool(2)},
                     {"scales", scales}}));
}

std::vector<Binding> upsampleNearest2d(Ctx& c) {
  return upsample(c, "nearest");
}

std::vector<Binding> upsampleBilinear2d(Ctx& c) {
  return upsample(c, "bilinear");
}

}  // namespace

LoweringTable resizeLowerings() {
  return {
      {"aten::upsample_bilinear2d", upsampleBilinear2d},
      {"aten::upsample_nearest2d", upsampleNearest2d},
  };
}

}  // namespace kiln::frontend
