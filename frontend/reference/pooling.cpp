// Reference kernels of pooling and reductions.
#include "frontend/reference/kernels.h"

namespace kiln::frontend::reference {

KernelTable poolingKernels() {
  return {
      {"adaptive_avg_pool2d",
       [](const Inputs& in, const ir::Attributes& a) -> Outputs {
         return {at::adaptive_avg_pool2d(in[0], ints(a, "output_size"))};
       }},
      {"avg_pool2d",
       [](const Inputs& in, const ir::Attributes& a) -> Outputs {
         return {at::avg_pool2d(in[0], ints(a, "kernel_size"), ints(a, "stride"), ints(a, "padding"),
                                a.getBool("ceil_mode"), a.getBool("count_include_pad"))};
       }},
      {"max_pool2d",
       [](const Inputs& in, const ir::Attributes& a) -> Outputs {
         return {at::max_pool2d(in[0], ints(a, "kernel_size"), ints(a, "stride"), ints(a, "padding"),
                                ints(a, "dilation"), a.getBool("ceil_mode"))};
       }},
      {"adaptive_max_pool2d",
       [](const Inputs& in, const ir::Attributes& a) -> Outputs {
         return {std::get<0>(at::adaptive_max_pool2d(in[0], ints(a, "output_size")))};
       }},
      {"amax",
       [](const Inputs& in, const ir::Attributes& a) -> Outputs {
         return {at::amax(in[0], ints(a, "dims"), a.getBool("keepdim"))};
       }},
      {"amin",
       [](const Inputs& in, const ir::Attributes& a) -> Outputs {
         return {at::amin(in[0], ints(a, "dims"), a.getBool("keepdim"))};
       }},
      {"argmax",
       [](const Inputs& in, const ir::Attributes& a) -> Outputs {
         return {at::argmax(in[0], a.getInt("dim"), a.getBool("keepdim"))};
       }},
      {"argmin",
       [](const Inputs& in, const ir::Attributes& a) -> Outputs {
         return {at::argmin(in[0], a.getInt("dim"), a.getBool("keepdim"))};
       }},
      {"topk",
       [](const Inputs& in, const ir::Attributes& a) -> Outputs {
         auto [values, indices] = at::topk(in[0], a.getInt("k"), a.getInt("dim"), a.getBool("largest"), true);
         return {values, indices};
       }},
      {"mean",
       [](const Inputs& in, const ir::Attributes& a) -> Outputs {
         return {at::mean(in[0], ints(a, "dims"), a.getBool("keepdim"))};
       }},
      {"sum",
       [](const Inputs& in, const ir::Attributes& a) -> Outputs {
         return {at::sum(in[0], ints(a, "dims"), a.getBool("keepdim"))};
       }},
  };
}

}  // namespace kiln::frontend::reference
