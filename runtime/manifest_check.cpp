#include "runtime/manifest_check.h"

#include <cstdint>
#include <limits>
#include <set>

#include "runtime/error.h"
#include "runtime/model.h"

namespace kiln::runtime {
namespace {

constexpr int64_t kHalideMaxExtent = std::numeric_limits<int32_t>::max();

std::string nameOf(const ValueInfo& value) {
  return "value " + std::to_string(value.id) + " (" + value.name + ")";
}

[[noreturn]] void bad(const ValueInfo& value, const std::string& what) {
  throw Error(nameOf(value) + " " + what);
}

// Extents, strides and the byte size of the buffer the blocks see: every stride is the product of the
// extents inside it, and Halide keeps extents, strides and (without its large_buffers feature) byte sizes
// in 32 bits.
void checkExtents(const ValueInfo& value) {
  int64_t elements = 1;
  for (int64_t extent : value.extents) {
    if (extent < 1 || extent > kHalideMaxExtent)
      bad(value, "has extent " + std::to_string(extent) + " (extents " + describeShape(value.extents) + ")");
    if (__builtin_mul_overflow(elements, extent, &elements) || elements > kHalideMaxExtent)
      bad(value, "has extents " + describeShape(value.extents) + ", over Halide's 2^31 elements per buffer");
  }
  const int64_t bytes = elements * elementBytes(value.dtype);
  if (bytes > kHalideMaxExtent) bad(value, "is over Halide's 2 GiB per buffer");
  if (value.bytes != bytes)
    bad(value, "has " + std::to_string(value.bytes) + " bytes, but its extents " +
                   describeShape(value.extents) + " of " + elementTypeName(value.dtype) + " make " +
                   std::to_string(bytes));
}

// The logical shape fits inside the extents: a blocked layout splits a dimension over two positions and may
// pad it, and a transformed one (Winograd's weights) holds more elements than the shape.
void checkShape(const ValueInfo& value) {
  if (value.positions.size() != value.shape.size())
    bad(value, "has " + std::to_string(value.positions.size()) + " positions for a shape of rank " +
                   std::to_string(value.shape.size()));
  int64_t elements = 1, room = 1;
  for (int64_t extent : value.extents) room *= extent;  // checkExtents bounded the product
  for (int64_t dim : value.shape)
    if (dim < 1 || __builtin_mul_overflow(elements, dim, &elements) || elements > room)
      bad(value, "has shape " + describeShape(value.shape) + " that does not fit its extents " +
                     describeShape(value.extents));
  if (value.role != ValueRole::Input && value.role != ValueRole::Output) return;
  // The caller's tensor of the shape's elements is the block's buffer: it has no room for padding.
  if (elements != room)
    bad(value, "is a model input or output with extents " + describeShape(value.extents) +
                   " that hold more elements than its shape " + describeShape(value.shape));
}

void checkWeight(const ValueInfo& value, uint64_t weights_bytes) {
  const uint64_t bytes = static_cast<uint64_t>(value.bytes);
  if (value.offset % 64 != 0 || value.offset > weights_bytes || bytes > weights_bytes - value.offset)
    bad(value, "lies at bytes " + std::to_string(value.offset) + "+" + std::to_string(bytes) +
                   ", outside the " + std::to_string(weights_bytes) + " bytes of weights or unaligned");
}

const ValueInfo& valueOf(const Manifest& manifest, int id, const std::string& where) {
  auto it = manifest.values.find(id);
  if (it == manifest.values.end())
    throw Error(where + " names value " + std::to_string(id) + ", which is not listed");
  return it->second;
}

// The model's input (or output) list and the values of that role are the same set, each listed once.
void checkRoleList(const Manifest& manifest, const std::vector<int>& list, ValueRole role, const char* name) {
  std::set<int> listed;
  for (int id : list) {
    const ValueInfo& value = valueOf(manifest, id, std::string("the model's ") + name);
    if (value.role != role) bad(value, std::string("is in the model's ") + name + " but has another role");
    if (!listed.insert(id).second) bad(value, std::string("is in the model's ") + name + " twice");
  }
  for (const auto& [id, value] : manifest.values)
    if (value.role == role && !listed.count(id))
      bad(value, std::string("has the role of ") + name + " but is not listed in them");
}

// Blocks run in the listed order: each reads activations and outputs already written and writes its own.
void checkBlocks(const Manifest& manifest) {
  std::set<int> written;
  for (size_t b = 0; b < manifest.blocks.size(); ++b) {
    const BlockInfo& block = manifest.blocks[b];
    const std::string where = "block " + std::to_string(block.id);
    if (block.id != static_cast<int>(b))
      throw Error(where + " is listed at position " + std::to_string(b) + "; blocks are listed in order");
    if (block.function.empty()) throw Error(where + " names no function");
    if (block.outputs.empty()) throw Error(where + " writes nothing");
    for (int id : block.arguments) {
      const ValueInfo& value = valueOf(manifest, id, where);
      const bool computed = value.role == ValueRole::Activation || value.role == ValueRole::Output;
      if (computed && !written.count(id)) bad(value, "is read by " + where + " before any block writes it");
    }
    for (int id : block.outputs) {
      const ValueInfo& value = valueOf(manifest, id, where);
      if (value.role != ValueRole::Activation && value.role != ValueRole::Output)
        bad(value, "is written by " + where + " but is a model input or weight");
      if (!written.insert(id).second) bad(value, "is written by " + where + " and by an earlier block");
    }
  }
  for (int id : manifest.outputs)
    if (!written.count(id)) bad(manifest.values.at(id), "is a model output that no block writes");
}

}  // namespace

void checkManifest(const Manifest& manifest) {
  for (const auto& [id, value] : manifest.values) {
    checkExtents(value);
    checkShape(value);
    if (value.role == ValueRole::Weight) checkWeight(value, manifest.weights_bytes);
  }
  if (manifest.outputs.empty()) throw Error("the model has no outputs");
  checkRoleList(manifest, manifest.inputs, ValueRole::Input, "inputs");
  checkRoleList(manifest, manifest.outputs, ValueRole::Output, "outputs");
  checkBlocks(manifest);
}

}  // namespace kiln::runtime
