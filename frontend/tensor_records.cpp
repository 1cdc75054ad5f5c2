#include "frontend/tensor_records.h"

#include <algorithm>
#include <optional>
#include <vector>

#include <ATen/EmptyTensor.h>
#include <c10/core/CPUAllocator.h>
#include <c10/core/impl/alloc_cpu.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "ir/error.h"

namespace kiln::frontend {
namespace {

namespace jit = torch::jit;

// Every tensor inside a value: the value itself, or the elements of a list, tuple or dict.
void collectTensors(const c10::IValue& value, std::vector<at::Tensor>& tensors) {
  if (value.isTensor()) {
    tensors.push_back(value.toTensor());
  } else if (value.isList()) {
    for (const c10::IValue& element : value.toListRef()) collectTensors(element, tensors);
  } else if (value.isTuple()) {
    for (const c10::IValue& element : value.toTupleRef().elements()) collectTensors(element, tensors);
  } else if (value.isGenericDict()) {
    for (const auto& entry : value.toGenericDict()) collectTensors(entry.value(), tensors);
  }
}

void collectConstants(const jit::Block& block, std::vector<at::Tensor>& tensors) {
  for (const jit::Node* node : block.nodes()) {
    if (node->kind() == c10::prim::Constant && node->output()->type()->kind() == c10::TypeKind::TensorType)
      collectTensors(*jit::toIValue(node->output()), tensors);
    for (const jit::Block* inner : node->blocks()) collectConstants(*inner, tensors);
  }
}

// The module's tensors: its attributes' (parameters and buffers among them) and the constants in its
// submodules' code.
std::vector<at::Tensor> moduleTensors(const jit::Module& module) {
  std::vector<at::Tensor> tensors;
  for (const jit::NameValue& attribute : module.named_attributes(/*recurse=*/true))
    collectTensors(attribute.value, tensors);
  for (const jit::Module& submodule : module.modules())
    for (const jit::Method& method : submodule.get_methods())
      collectConstants(*method.graph()->block(), tensors);
  return tensors;
}

// The pickle also states each tensor's offset, sizes and strides into its storage, and LibTorch believes
// them too: a tensor that reaches past its storage is refused before anything reads it.
void checkTensorExtent(const at::Tensor& tensor, const std::string& path) {
  if (!tensor.has_storage() || tensor.numel() == 0) return;
  const bool negative =
      std::any_of(tensor.strides().begin(), tensor.strides().end(), [](int64_t s) { return s < 0; });
  const size_t reach =
      negative ? 0
               : at::detail::computeStorageNbytes(tensor.sizes(), tensor.strides(), tensor.dtype().itemsize(),
                                                  static_cast<size_t>(tensor.storage_offset()));
  if (negative || tensor.storage_offset() < 0 || reach > tensor.storage().nbytes())
    fail(
        "'{}' is damaged: a tensor of shape {} (offset {}, strides {}) reaches past its {}-byte storage; "
        "export the model again",
        path, fmt::format("{}", fmt::join(tensor.sizes(), "x")), tensor.storage_offset(),
        fmt::format("{}", fmt::join(tensor.strides(), ",")), tensor.storage().nbytes());
}

// A CPU allocation that knows its size: the context of every DataPtr the recording allocator hands out.
struct SizedAllocation {
  void* data;
  size_t bytes;
};

void freeSizedAllocation(void* context) {
  auto* allocation = static_cast<SizedAllocation*>(context);
  c10::free_cpu(allocation->data);
  delete allocation;
}

class SizeRecordingAllocator final : public c10::Allocator {
 public:
  c10::DataPtr allocate(size_t bytes) const override {
    void* data = c10::alloc_cpu(bytes);
    return {data, new SizedAllocation{data, bytes}, &freeSizedAllocation, c10::Device(c10::DeviceType::CPU)};
  }
};

// The bytes allocated behind a storage, if the recording allocator allocated them.
std::optional<size_t> allocatedBytes(const c10::Storage& storage) {
  const c10::DataPtr& data = storage.data_ptr();
  if (data.get_deleter() != &freeSizedAllocation) return std::nullopt;
  return static_cast<const SizedAllocation*>(data.get_context())->bytes;
}

SizeRecordingAllocator recording_allocator;

}  // namespace

RecordedAllocationSizes::RecordedAllocationSizes() : scope_(&recording_allocator) {}

void checkTensorRecords(const jit::Module& module, const std::string& path) {
  for (const at::Tensor& tensor : moduleTensors(module)) {
    if (!tensor.has_storage()) continue;
    const std::optional<size_t> record = allocatedBytes(tensor.storage());
    if (record && *record < tensor.storage().nbytes())
      fail(
          "'{}' is damaged: a tensor's storage needs {} bytes where its record holds {} (a tensor record was "
          "cut short); export the model again",
          path, tensor.storage().nbytes(), *record);
    checkTensorExtent(tensor, path);
  }
}

}  // namespace kiln::frontend
