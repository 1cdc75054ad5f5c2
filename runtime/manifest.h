// The part of an artifact's manifest.json the runtime needs: the values that live in memory, the blocks in
// execution order with their entry points, and where the library and weights are.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "runtime/element_type.h"

namespace kiln::runtime {

enum class ValueRole { Input, Output, Activation, Weight };

struct ValueInfo {
  int id = 0;
  std::string name;
  ValueRole role = ValueRole::Activation;
  ElementType dtype = ElementType::Float32;
  std::vector<int64_t> shape;    // logical, PyTorch order
  std::vector<int64_t> extents;  // Halide order, innermost first; the buffer is dense in this order
  std::vector<int> positions;    // logical dim -> Halide position
  std::string layout;
  int64_t bytes = 0;
  uint64_t offset = 0;  // weights: from the start of the weights data section
};

struct BlockInfo {
  int id = 0;
  std::string function;
  std::vector<int> arguments;  // value ids: inputs, then weights
  std::vector<int> outputs;
  std::vector<std::string> ops;  // op kinds, for messages
  std::vector<int> op_indices;   // the ops' positions in the compiled (canonical) graph
  std::string mapping;           // the block's DNNFusion mapping type
  int64_t flops = 0;             // what the block computes and the bytes it moves, as the plan counted them
  int64_t traffic_bytes = 0;

  std::string pattern() const;  // "conv2d+add+relu"
};

struct Manifest {
  std::string model;
  std::string halide_target;       // the Halide target string the blocks were compiled for
  std::string schedule, strategy;  // how they were compiled ("default", "dnnfusion")
  std::filesystem::path library, weights_file;
  uint64_t weights_bytes = 0, weights_checksum = 0;
  std::vector<int> inputs, outputs;
  std::map<int, ValueInfo> values;
  std::vector<BlockInfo> blocks;
};

// Throws runtime::Error for a missing or malformed manifest, naming the file and the field, and for a
// manifest or library that does not match checksums.xxh128 (artifact_checksums.h).
Manifest readManifest(const std::filesystem::path& artifact_dir);
// The manifest text of the artifact in `artifact_dir`, parsed and cross-checked (manifest_check.h) without
// reading any file. Throws runtime::Error naming the field.
Manifest parseManifest(const std::string& text, const std::filesystem::path& artifact_dir);

}  // namespace kiln::runtime
