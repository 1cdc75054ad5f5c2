// Reference kernels of the data movement kinds; results are made contiguous, as kiln's buffers are.
#include "frontend/reference/kernels.h"

namespace kiln::frontend::reference {

namespace {

// ATen's pad takes (before, after) pairs from the last dimension backwards; kiln's from the first forwards.
Outputs pad(const Inputs& in, const ir::Attributes& a) {
  const std::vector<int64_t>& pads = a.getInts("pads");
  std::vector<int64_t> reversed;
  for (size_t d = pads.size() / 2; d-- > 0;) reversed.insert(reversed.end(), {pads[2 * d], pads[2 * d + 1]});
  const std::string& mode = a.getString("mode");
  if (mode == "constant") return {at::constant_pad_nd(in[0], reversed, a.getFloat("value"))};
  // ATen's reflect/replicate/circular kernels pad only the trailing 1-3 dimensions of a batched tensor:
  // pad one dimension at a time, viewed as [rows, 1, size].
  at::Tensor x = in[0];
  for (size_t d = 0; d < pads.size() / 2; ++d) {
    if (pads[2 * d] == 0 && pads[2 * d + 1] == 0) continue;
    at::Tensor moved = x.movedim(static_cast<int64_t>(d), -1).contiguous();
    std::vector<int64_t> shape = moved.sizes().vec();
    at::Tensor rows = moved.reshape({-1, 1, shape.back()});
    at::Tensor padded = at::pad(rows, {pads[2 * d], pads[2 * d + 1]}, mode);
    shape.back() = padded.size(-1);
    x = padded.reshape(shape).movedim(-1, static_cast<int64_t>(d)).contiguous();
  }
  return {x};
}

}  // namespace

KernelTable dataMovementKernels() {
  return {
      {"cat",
       [](const Inputs& in, const ir::Attributes& a) -> Outputs { return {at::cat(in, a.getInt("dim"))}; }},
      {"embedding",
       [](const Inputs& in, const ir::Attributes&) -> Outputs { return {at::embedding(in[0], in[1])}; }},
      {"expand",
       [](const Inputs& in, const ir::Attributes& a) -> Outputs {
         return {in[0].expand(ints(a, "shape")).contiguous()};
       }},
      {"gather",
       [](const Inputs& in, const ir::Attributes& a) -> Outputs {
         return {at::gather(in[0], a.getInt("dim"), in[1])};
       }},
      {"flip",
       [](const Inputs& in, const ir::Attributes& a) -> Outputs {
         return {at::flip(in[0], ints(a, "dims"))};
       }},
      {"pad", pad},
      {"permute",
       [](const Inputs& in, const ir::Attributes& a) -> Outputs {
         return {in[0].permute(ints(a, "dims")).contiguous()};
       }},
      {"reshape",
       [](const Inputs& in, const ir::Attributes& a) -> Outputs {
         return {in[0].reshape(ints(a, "shape"))};
       }},
      {"slice",
       [](const Inputs& in, const ir::Attributes& a) -> Outputs {
         return {at::slice(in[0], a.getInt("dim"), a.getInt("start"), a.getInt("end"), a.getInt("step"))
                     .contiguous()};
       }},
      {"split",
       [](const Inputs& in, const ir::Attributes& a) -> Outputs {
         return at::split_with_sizes(in[0], ints(a, "sizes"), a.getInt("dim"));
       }},
  };
}

}  // namespace kiln::frontend::reference
