// adaptive_max_pool2d: max pooling to a fixed output size (NCHW), with adaptive_avg_pool2d's windows.
// The values only: PyTorch's optional indices output is integer, which kiln's run-time tensors are not.
#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef adaptive_max_pool2d() {
  return adaptivePool2d("adaptive_max_pool2d", "max pooling to output_size (NCHW)");
}

}  // namespace kiln::ir::ops
