// A loaded artifact: its manifest, its library (dlopen'ed, one entry point per block, the Halide runtime with
// kiln's error handler and parallel loops installed), its weights (mapped), its activation arena and its
// threads (thread_pool.h). Runs the blocks in order.
// A CUDA artifact keeps its activations on the GPU (device.h); only inputs and outputs cross to the host.
//
// Errors are runtime::Error exceptions inside the runtime; the C API (c_api.cpp) turns them into statuses.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "runtime/arena.h"
#include "runtime/manifest.h"
#include "runtime/weights.h"

struct halide_buffer_t;

namespace kiln::runtime {

class DeviceMemory;
class ThreadPool;

// A caller's tensor: row-major data of one element type with its logical shape.
struct HostTensor {
  const void* data;
  std::vector<int64_t> shape;
  ElementType dtype = ElementType::Float32;
};

// Where one run spent its time, for profilers: steady-clock nanoseconds at which each block began and ended.
//
// `warm_outputs`, set by the caller, writes one byte of every cache line of a block's outputs before its
// clock starts. Then no block pays for storing to memory that its model last touched long before, which
// depends on where the arena plan put its outputs rather than on its code: EfficientNet-B0's depthwise +
// silu block after the stem took 121-127 us cold and 80-82 us warm (AMD Zen 4, 2 threads), and when a plan
// splits it into two blocks, the depthwise's output lands where the stem's silu was just read. Comparisons of
// blocks across two plans use it; a run's real time does not.
//
// `cold_weights` flushes a block's weights from every cache level before its clock starts, as a model whose
// weights outgrow the last-level cache finds them: a block timed alone, run after run, otherwise reads them
// from cache. ResNet-18's layer3 Winograd blocks took 390-510 us alone so and 650-770 us in their model
// (AMD Zen 4, 2 threads, 32 MB L3 against 46 MB of weights), and the fastest tile differed between the two.
struct BlockTimes {
  std::vector<int64_t> start_ns, end_ns;
  bool warm_outputs = false;
  bool cold_weights = false;
};

class Model {
 public:
  // `keep_intermediates` gives every value its own memory so that valueData can read any of them after a run.
  explicit Model(const std::filesystem::path& artifact_dir, bool keep_intermediates = false);
  ~Model();
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  const Manifest& manifest() const { return manifest_; }
  const ArenaPlan& arena() const { return arena_; }
  uint64_t weightBytes() const { return weights_->bytes(); }

  // The threads the blocks' parallel loops run on, the caller's included; 0 means one per core (the default).
  void setNumThreads(int threads);
  // Checks count, shapes and dtypes, then runs every block. One call at a time: a second thread's call waits
  // (each run binds its buffers into the blocks' argument lists, which one model owns). Outputs are written
  // to `outputs` (row-major, of the manifest's dtypes, sized by the caller to the output shapes). With
  // `times`, also records when each block ran.
  void run(const std::vector<HostTensor>& inputs, const std::vector<void*>& outputs,
           BlockTimes* times = nullptr);
  // After run(): the memory of an activation in its own layout (ValueInfo::extents) and dtype, if
  // intermediates are kept.
  const void* valueData(int value_id) const;
  // For artifacts compiled with Halide's `profile` feature: the per-Func report of every run so far, which
  // then restarts from zero. Throws runtime::Error for an artifact built without the profiler.
  std::string takeHalideProfile();

 private:
  struct Library;
  struct BlockCall;
  void bindEntryPoints();
  void checkSignature(const BlockInfo& block) const;
  void planMemory(bool keep_intermediates);
  void prepareCalls();
  void prepareDevice();
  void markCallerMemoryNewer(size_t block);
  void copyOutputsToHost(size_t block, bool wait);
  void warmOutputs(size_t block);
  void evictWeights(size_t block);
  unsigned char* arenaBase() const;

  Manifest manifest_;
  std::unique_ptr<Library> library_;
  std::unique_ptr<ThreadPool> pool_;
  std::unique_ptr<DeviceMemory> device_;  // CUDA artifacts only; released before the library is closed
  std::unique_ptr<MappedWeights> weights_;
  std::vector<int (*)(void**)> entry_points_;
  ArenaPlan arena_;
  std::map<int, int64_t> arena_offset_;  // activation value id -> byte offset
  mutable std::vector<unsigned char> arena_memory_;
  bool kept_ = false;
  std::mutex running_;
  // One per block: its buffer arguments, built once at load. Weights and activations point at fixed memory;
  // the caller's inputs and outputs are bound at each run.
  std::vector<BlockCall> calls_;
};

// "1x3x224x224", for messages.
std::string describeShape(const std::vector<int64_t>& shape);

}  // namespace kiln::runtime
