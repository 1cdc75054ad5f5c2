// adaptive_avg_pool2d: average pooling to a fixed output size (NCHW), PyTorch's start/end window rule:
// window i of n over length L covers [floor(i * L / n), ceil((i + 1) * L / n)).
#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef adaptive_avg_pool2d() {
  return adaptivePool2d("adaptive_avg_pool2d", "average pooling to output_size (NCHW)");
}

}  // namespace kiln::ir::ops
