// Imports a TorchScript model (traced or scripted) into kiln's IR.
//
// The model is loaded with LibTorch, frozen (parameters become constants, the training flag becomes False),
// inlined, and its tensor mutations rewritten into functional ops. The importer then walks the graph once
// with the static input shapes known: shape queries (size, dim, len) become constants, control flow whose
// condition is then known is folded to the branch taken, scalar arithmetic is evaluated, and every aten
// tensor op is lowered through frontend/lowering.h. What remains is a pure dataflow graph of IR ops.
//
// Every unsupported op kind is collected during the walk and reported in ONE error, with its count and the
// Python source location TorchScript recorded for its first use.
#pragma once

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "ir/fork_server.h"
#include "ir/graph.h"

// Declared, not included: this header's users (the command line, validation, tests) then do not compile
// LibTorch's headers (13 s per file), and those that load a module include <torch/script.h>.
namespace torch::jit {
struct Module;
}

namespace kiln::frontend {

struct ImportOptions {
  // One shape per model input. Empty: the shapes the exporter stored in the file (extra file
  // "kiln/input_shape", e.g. "1x3x224x224" or "2x16:i64", several inputs separated by ';').
  std::vector<ir::Shape> input_shapes;
  // One dtype per model input (float32, int64 token ids, bool masks); empty: the stored ones, else float32.
  std::vector<ir::DType> input_dtypes;
  // The most bytes the model's code may allocate while import runs it on compile-time constants, all
  // evaluations together (frontend/allocation_budget.h); a model's weights are not counted.
  int64_t evaluation_bytes = int64_t{1} << 30;
  // The most IR ops import may make (the zoo's largest model makes 668). Loops and recurrent layers are
  // unrolled over every step, so this bounds the sequence lengths kiln compiles.
  size_t max_ops = 100000;
};

// Throws kiln::Error for a missing, unreadable or non-TorchScript file, a missing input shape, a model that
// raises for the given shapes, or unsupported ops (all listed at once).
ir::Graph importTorchScript(const std::string& path, const ImportOptions& options = {});

// The TorchScript module in `path`, loaded by LibTorch after kiln has checked what LibTorch trusts (the
// pickles' lengths, frontend/pickle_records.h) and before anything reads a tensor (the tensor records'
// sizes, frontend/tensor_records.h). `extra_files` (LibTorch's ExtraFilesMap) names extra files to read back.
// Throws kiln::Error for a missing, unreadable, damaged or non-TorchScript file.
torch::jit::Module loadTorchScript(const std::string& path,
                                   std::unordered_map<std::string, std::string>& extra_files);
torch::jit::Module loadTorchScript(const std::string& path);

// Starts, if it has not started, the helper process in which each .pt is loaded once before kiln loads it
// (a damaged file can crash LibTorch's loader). It starts at the first load otherwise, with a child per
// load. The helper is a copy of the process as it is then, so a process starts it before it starts threads
// (a fork copies the locks other threads hold: under AddressSanitizer a probe of `kiln validate`, forked
// after the runtime's threads had run the artifact, hung on the allocator's lock) and before it grows large
// (the fuzzer), and may reuse children (ir/fork_server.h: faster, but a load sees what earlier ones left).
void startLoadProbes(ForkServer::Children children);

// The input shapes stored in a model file by examples/export_zoo.py, if any. Throws for unreadable files.
std::optional<std::vector<ir::Shape>> storedInputShapes(const std::string& path);

}  // namespace kiln::frontend
