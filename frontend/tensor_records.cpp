#include "frontend/tensor_records.h"

#include <algorithm>
#include <functional>
#include <set>
#include <vector>

#include <caffe2/serialize/inline_container.h>

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

// The byte sizes of the module's distinct tensor storages: its attributes' (parameters and buffers among
// them) and the constants in its submodules' code.
std::vector<size_t> storageBytes(const jit::Module& module) {
  std::vector<at::Tensor> tensors;
  for (const jit::NameValue& attribute : module.named_attributes(/*recurse=*/true))
    collectTensors(attribute.value, tensors);
  for (const jit::Module& submodule : module.modules())
    for (const jit::Method& method : submodule.get_methods())
      collectConstants(*method.graph()->block(), tensors);
  std::set<const c10::StorageImpl*> seen;
  std::vector<size_t> bytes;
  for (const at::Tensor& tensor : tensors)
    if (tensor.has_storage() && seen.insert(tensor.storage().unsafeGetStorageImpl()).second)
      bytes.push_back(tensor.storage().nbytes());
  return bytes;
}

std::vector<size_t> recordBytes(const std::string& path) {
  caffe2::serialize::PyTorchStreamReader reader(path);
  std::vector<size_t> bytes;
  for (const std::string& name : reader.getAllRecords())
    if (name.rfind("data/", 0) == 0 || name.rfind("constants/", 0) == 0)
      bytes.push_back(std::get<1>(reader.getRecord(name)));
  return bytes;
}

}  // namespace

void checkTensorRecords(const jit::Module& module, const std::string& path) {
  std::vector<size_t> tensors = storageBytes(module), records = recordBytes(path);
  std::sort(tensors.rbegin(), tensors.rend());
  std::sort(records.rbegin(), records.rend());
  for (size_t i = 0; i < tensors.size(); ++i)
    if (i >= records.size() || records[i] < tensors[i])
      fail(
          "'{}' is damaged: its tensors need {} bytes where its records hold {} (a tensor record was cut "
          "short); export the model again",
          path, tensors[i], i < records.size() ? records[i] : 0);
}

}  // namespace kiln::frontend
