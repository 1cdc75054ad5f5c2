// Reference kernels of the data movement kinds; results are made contiguous, as kiln's buffers are.
#include "frontend/reference/kernels.h"

namespace kiln::frontend::reference {

KernelTable dataMovementKernels() {
  return {
      {"cat",
       [](const Inputs& in, const ir::Attributes& a) -> Outputs { return {at::cat(in, a.getInt("dim"))}; }},
      {"expand",
       [](const Inputs& in, const ir::Attributes& a) -> Outputs {
         return {in[0].expand(ints(a, "shape")).contiguous()};
       }},
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
