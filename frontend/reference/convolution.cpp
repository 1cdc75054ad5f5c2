// Reference kernels of the convolution family: conv2d, linear and matmul.
#include "frontend/reference/kernels.h"

namespace kiln::frontend::reference {

KernelTable convolutionKernels() {
  return {
      {"conv2d",
       [](const Inputs& in, const ir::Attributes& a) -> Outputs {
         return {at::conv2d(in[0], in[1], optionalInput(in, 2), ints(a, "stride"), ints(a, "padding"),
                            ints(a, "dilation"), a.getInt("groups"))};
       }},
      {"linear",
       [](const Inputs& in, const ir::Attributes&) -> Outputs {
         return {at::linear(in[0], in[1], optionalInput(in, 2))};
       }},
      {"matmul",
       [](const Inputs& in, const ir::Attributes&) -> Outputs { return {at::matmul(in[0], in[1])}; }},
  };
}

}  // namespace kiln::frontend::reference
