// Reference kernels of batch norm (inference form), layer norm and softmax.
#include "frontend/reference/kernels.h"

namespace kiln::frontend::reference {

KernelTable normalizationKernels() {
  return {
      {"batch_norm",
       [](const Inputs& in, const ir::Attributes& a) -> Outputs {
         return {at::batch_norm(in[0], in[1], in[2], in[3], in[4], /*training=*/false, 0.0, a.getFloat("eps"),
                                /*cudnn_enabled=*/false)};
       }},
      {"layer_norm",
       [](const Inputs& in, const ir::Attributes& a) -> Outputs {
         return {at::layer_norm(in[0], ints(a, "normalized_shape"), optionalInput(in, 1),
                                optionalInput(in, 2), a.getFloat("eps"))};
       }},
      {"softmax",
       [](const Inputs& in, const ir::Attributes& a) -> Outputs {
         return {at::softmax(in[0], a.getInt("dim"))};
       }},
  };
}

}  // namespace kiln::frontend::reference
