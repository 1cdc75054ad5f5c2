#include "runtime/model.h"

#include <dlfcn.h>

#include <HalideRuntime.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <chrono>
#include <cstring>
#include <new>
#include <set>
#include <sstream>

#include "runtime/device.h"
#include "runtime/elf_check.h"
#include "runtime/error.h"
#include "runtime/halide_errors.h"
#include "runtime/memory_limit.h"
#include "runtime/thread_pool.h"

namespace kiln::runtime {
namespace {

// Writes a cache line back and drops it from every level of the cache hierarchy.
void flushCacheLine(const void* address) {
#if defined(__x86_64__)
  _mm_clflush(address);
#elif defined(__aarch64__)
  asm volatile("dc civac, %0" : : "r"(address) : "memory");
#else
  (void)address;
#endif
}

// Orders the flushes before the loads that follow.
void cacheFlushFence() {
#if defined(__x86_64__)
  _mm_mfence();
#elif defined(__aarch64__)
  asm volatile("dsb ish" : : : "memory");
#endif
}

using SetErrorHandler = halide_error_handler_t (*)(halide_error_handler_t);
using SetDoParFor = halide_do_par_for_t (*)(halide_do_par_for_t);
using SetCustomPrint = halide_print_t (*)(halide_print_t);
using ProfilerCall = void (*)(void*);

// How a block's pipeline declares a buffer of this element type: booleans are stored as one byte, 0 or 1.
halide_type_t halideType(ElementType type) {
  switch (type) {
    case ElementType::Float32:
      return halide_type_t(halide_type_float, 32);
    case ElementType::Int64:
      return halide_type_t(halide_type_int, 64);
    case ElementType::Bool:
      return halide_type_t(halide_type_uint, 8);
  }
  return halide_type_t(halide_type_float, 32);
}

// Halide's profiler prints its report through halide_print; takeHalideProfile collects it here.
std::string halide_printed;

void collectHalidePrint(void*, const char* text) {
  halide_printed += text;
}

// The Halide target prefix of the code this runtime was built to call; artifacts for another machine are
// refused before dlopen, whose message for a foreign ELF file is misleading.
#if defined(__x86_64__)
constexpr const char* kRuntimeMachine = "x86-64-linux";
#elif defined(__aarch64__)
constexpr const char* kRuntimeMachine = "arm-64-linux";
#else
constexpr const char* kRuntimeMachine = "";
#endif

void checkMachine(const Manifest& manifest) {
  if (manifest.halide_target.rfind(kRuntimeMachine, 0) == 0) return;
  throw Error("model " + manifest.model + " was compiled for " + manifest.halide_target +
              ", but this runtime runs on " + kRuntimeMachine +
              "; run it there (an arm64 artifact can be checked here with `kiln validate --target arm64`), "
              "or recompile it for this machine");
}

int64_t steadyNanoseconds() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::string describeShape(const std::vector<int64_t>& shape) {
  std::ostringstream text;
  for (size_t d = 0; d < shape.size(); ++d) text << (d ? "x" : "") << shape[d];
  return shape.empty() ? "scalar" : text.str();
}

struct Model::Library {
  void* handle = nullptr;
  ~Library() {
    if (handle) dlclose(handle);
  }
  void* symbol(const char* name) const { return dlsym(handle, name); }
};

struct Model::BlockCall {
  std::vector<int> ids;  // the value of each buffer: arguments, then outputs
  std::vector<std::vector<halide_dimension_t>> dims;
  std::vector<halide_buffer_t> buffers;
  std::vector<void*> args;
  std::vector<std::pair<size_t, size_t>> inputs, outputs;  // (buffer, index among the model's inputs/outputs)
};

Model::Model(const std::filesystem::path& artifact_dir, bool keep_intermediates)
    : manifest_(readManifest(artifact_dir)), library_(std::make_unique<Library>()) {
  checkMachine(manifest_);
  checkElfComplete(manifest_.library);
  library_->handle = dlopen(manifest_.library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!library_->handle)
    throw Error("cannot load " + manifest_.library.string() + ": " + dlerror() +
                "; recompile with `kiln compile`");
  auto set_handler = reinterpret_cast<SetErrorHandler>(library_->symbol("halide_set_error_handler"));
  auto set_do_par_for = reinterpret_cast<SetDoParFor>(library_->symbol("halide_set_custom_do_par_for"));
  if (!set_handler || !set_do_par_for)
    throw Error(manifest_.library.string() + " carries no Halide runtime; recompile with `kiln compile`");
  set_handler(recordHalideError);
  set_do_par_for(doParFor);
  pool_ = std::make_unique<ThreadPool>(0);
  bindEntryPoints();
  planMemory(keep_intermediates);
  weights_ = std::make_unique<MappedWeights>(manifest_.weights_file, manifest_.weights_bytes,
                                             manifest_.weights_checksum);
  prepareCalls();
  if (manifest_.halide_target.find("-cuda") != std::string::npos) prepareDevice();
}

Model::~Model() {
  if (!device_) return;
  for (BlockCall& call : calls_)
    for (size_t a = 0; a < call.ids.size(); ++a)
      if (manifest_.values.at(call.ids[a]).role != ValueRole::Activation) device_->release(call.buffers[a]);
}

void Model::prepareDevice() {
  device_ = std::make_unique<DeviceMemory>([this](const char* name) { return library_->symbol(name); },
                                           manifest_.library.string());
  std::set<int> allocated;
  for (BlockCall& call : calls_) {
    for (size_t a = 0; a < call.ids.size(); ++a) {
      const ValueRole role = manifest_.values.at(call.ids[a]).role;
      if (role == ValueRole::Weight) DeviceMemory::markHostNewer(call.buffers[a]);
      if (role != ValueRole::Activation) continue;
      if (allocated.insert(call.ids[a]).second) device_->allocate(call.ids[a], call.buffers[a]);
      device_->share(call.ids[a], call.buffers[a]);
    }
  }
}

void Model::bindEntryPoints() {
  for (const BlockInfo& block : manifest_.blocks) {
    // Halide emits <name>_argv next to every pipeline: the same function taking its buffers as an array.
    const std::string symbol = block.function + "_argv";
    auto entry = reinterpret_cast<int (*)(void**)>(library_->symbol(symbol.c_str()));
    if (!entry)
      throw Error(manifest_.library.string() + " has no entry point " + block.function + " for block " +
                  std::to_string(block.id) +
                  "; the library does not match manifest.json, recompile the model");
    checkSignature(block);
    entry_points_.push_back(entry);
  }
}

// The block's pipeline takes the buffers the manifest passes it: as many, inputs then outputs, each of the
// value's rank and element type (Halide's <name>_metadata describes the arguments). Otherwise the pipeline
// would read buffers the runtime never bound.
void Model::checkSignature(const BlockInfo& block) const {
  using Metadata = const halide_filter_metadata_t* (*)();
  const std::string symbol = block.function + "_metadata";
  auto metadata = reinterpret_cast<Metadata>(library_->symbol(symbol.c_str()));
  const std::string mismatch = manifest_.library.string() + "'s " + block.function +
                               " does not take what block " + std::to_string(block.id) +
                               " passes it in manifest.json: ";
  if (!metadata) throw Error(mismatch + "it has no " + symbol + "; recompile the model");
  const halide_filter_metadata_t* pipeline = metadata();
  const size_t buffers = block.arguments.size() + block.outputs.size();
  if (pipeline->num_arguments != static_cast<int32_t>(buffers))
    throw Error(mismatch + std::to_string(pipeline->num_arguments) + " arguments, not " +
                std::to_string(buffers) + "; recompile the model");
  for (size_t a = 0; a < buffers; ++a) {
    const bool output = a >= block.arguments.size();
    const int id = output ? block.outputs[a - block.arguments.size()] : block.arguments[a];
    const ValueInfo& value = manifest_.values.at(id);
    const halide_filter_argument_t& argument = pipeline->arguments[a];
    const int32_t kind = output ? halide_argument_kind_output_buffer : halide_argument_kind_input_buffer;
    if (argument.kind != kind || argument.dimensions != static_cast<int32_t>(value.extents.size()) ||
        argument.type != halideType(value.dtype))
      throw Error(mismatch + "its argument " + std::to_string(a) + " (" + argument.name + ") is not a " +
                  std::to_string(value.extents.size()) + "-dimensional " + elementTypeName(value.dtype) +
                  (output ? " output" : " input") + " buffer for value " + std::to_string(id) + " (" +
                  value.name + "); recompile the model");
  }
}

void Model::planMemory(bool keep_intermediates) {
  ActivationPlan plan = planActivations(manifest_, !keep_intermediates);
  arena_ = std::move(plan.arena);
  arena_offset_ = std::move(plan.offset);
  checkMemoryLimit(manifest_.model, manifest_.weights_bytes, arena_.arena_bytes, memoryLimit());
  try {
    arena_memory_.assign(static_cast<size_t>(arena_.arena_bytes) + 64, 0);
  } catch (const std::bad_alloc&) {
    throw Error("cannot allocate the " + std::to_string(arena_.arena_bytes) +
                " bytes of activation memory model " + manifest_.model + " needs");
  }
  kept_ = keep_intermediates;
}

void Model::setNumThreads(int threads) {
  std::lock_guard<std::mutex> one_call_at_a_time(running_);
  pool_ = std::make_unique<ThreadPool>(threads);
}

// The arena's storage is one byte vector 64 bytes longer than the plan; its start is rounded up to 64.
unsigned char* Model::arenaBase() const {
  auto base = reinterpret_cast<uintptr_t>(arena_memory_.data());
  return reinterpret_cast<unsigned char*>((base + 63) & ~uintptr_t{63});
}

void Model::prepareCalls() {
  auto indexIn = [](const std::vector<int>& ids, int id) {
    return static_cast<size_t>(std::find(ids.begin(), ids.end(), id) - ids.begin());
  };
  for (const BlockInfo& block : manifest_.blocks) {
    std::vector<int> ids = block.arguments;
    ids.insert(ids.end(), block.outputs.begin(), block.outputs.end());
    BlockCall& call = calls_.emplace_back();
    call.ids = ids;
    call.dims.resize(ids.size());
    call.buffers.resize(ids.size());
    for (size_t a = 0; a < ids.size(); ++a) {
      const ValueInfo& value = manifest_.values.at(ids[a]);
      int32_t stride = 1;
      for (int64_t extent : value.extents) {
        call.dims[a].push_back(halide_dimension_t{0, static_cast<int32_t>(extent), stride, 0});
        stride *= static_cast<int32_t>(extent);
      }
      halide_buffer_t& buffer = call.buffers[a];
      buffer.type = halideType(value.dtype);
      buffer.dimensions = static_cast<int32_t>(call.dims[a].size());
      buffer.dim = call.dims[a].data();
      switch (value.role) {
        case ValueRole::Weight:
          buffer.host = reinterpret_cast<uint8_t*>(const_cast<float*>(weights_->at(value.offset)));
          break;
        case ValueRole::Activation:
          buffer.host = arenaBase() + arena_offset_.at(ids[a]);
          break;
        case ValueRole::Input:
          call.inputs.emplace_back(a, indexIn(manifest_.inputs, ids[a]));
          break;
        case ValueRole::Output:
          call.outputs.emplace_back(a, indexIn(manifest_.outputs, ids[a]));
          break;
      }
      call.args.push_back(&buffer);
    }
  }
}

void Model::run(const std::vector<HostTensor>& inputs, const std::vector<void*>& outputs, BlockTimes* times) {
  std::lock_guard<std::mutex> one_call_at_a_time(running_);
  if (inputs.size() != manifest_.inputs.size())
    throw Error("model " + manifest_.model + " takes " + std::to_string(manifest_.inputs.size()) +
                " input(s), got " + std::to_string(inputs.size()));
  if (outputs.size() != manifest_.outputs.size())
    throw Error("model " + manifest_.model + " returns " + std::to_string(manifest_.outputs.size()) +
                " output(s), got room for " + std::to_string(outputs.size()));
  for (size_t i = 0; i < inputs.size(); ++i) {
    const ValueInfo& value = manifest_.values.at(manifest_.inputs[i]);
    if (inputs[i].shape != value.shape)
      throw Error("input " + std::to_string(i) + " (" + value.name + ") must have shape " +
                  describeShape(value.shape) + ", got " + describeShape(inputs[i].shape) +
                  "; the model was compiled for that shape");
    if (inputs[i].dtype != value.dtype)
      throw Error("input " + std::to_string(i) + " (" + value.name + ") must be " +
                  elementTypeName(value.dtype) + ", got " + elementTypeName(inputs[i].dtype));
  }
  if (times) {
    times->start_ns.resize(manifest_.blocks.size());
    times->end_ns.resize(manifest_.blocks.size());
  }
  ScopedPool pool(*pool_);
  for (size_t b = 0; b < manifest_.blocks.size(); ++b) {
    const BlockInfo& block = manifest_.blocks[b];
    BlockCall& call = calls_[b];
    for (const auto& [buffer, input] : call.inputs)
      call.buffers[buffer].host = static_cast<uint8_t*>(const_cast<void*>(inputs[input].data));
    for (const auto& [buffer, output] : call.outputs)
      call.buffers[buffer].host = static_cast<uint8_t*>(outputs[output]);
    if (device_) markCallerMemoryNewer(b);
    takeHalideError();
    if (times && times->warm_outputs && !device_) warmOutputs(b);
    if (times && times->cold_weights && !device_) evictWeights(b);
    if (times) times->start_ns[b] = steadyNanoseconds();
    const int status = entry_points_[b](call.args.data());
    if (status != 0)
      throw Error("block " + std::to_string(block.id) + " (" + block.pattern() +
                  ") failed: " + takeHalideError());
    if (device_) copyOutputsToHost(b, times != nullptr);
    if (times) times->end_ns[b] = steadyNanoseconds();
  }
  if (device_ && kept_)
    for (const auto& [id, offset] : arena_offset_) device_->copyValueToHost(id, arenaBase() + offset);
}

// The caller's inputs and outputs that a block reads were written on the host: Halide copies them in.
void Model::markCallerMemoryNewer(size_t block) {
  BlockCall& call = calls_[block];
  const size_t arguments = manifest_.blocks[block].arguments.size();
  for (const auto& bound : {call.inputs, call.outputs})
    for (const auto& [buffer, index] : bound)
      if (buffer < arguments) DeviceMemory::markHostNewer(call.buffers[buffer]);
}

void Model::warmOutputs(size_t block) {
  constexpr int64_t kCacheLine = 64;
  const BlockCall& call = calls_[block];
  for (size_t a = manifest_.blocks[block].arguments.size(); a < call.ids.size(); ++a) {
    volatile uint8_t* bytes = call.buffers[a].host;
    for (int64_t i = 0; i < manifest_.values.at(call.ids[a]).bytes; i += kCacheLine) bytes[i] = 0;
  }
}

void Model::evictWeights(size_t block) {
  constexpr int64_t kCacheLine = 64;
  const BlockCall& call = calls_[block];
  for (size_t a = 0; a < manifest_.blocks[block].arguments.size(); ++a) {
    const ValueInfo& value = manifest_.values.at(call.ids[a]);
    if (value.role != ValueRole::Weight) continue;
    const uint8_t* bytes = call.buffers[a].host;
    for (int64_t i = 0; i < value.bytes; i += kCacheLine) flushCacheLine(bytes + i);
  }
  cacheFlushFence();
}

// The model outputs a block wrote go back to the caller's memory; with `wait`, the block's kernels are also
// waited for, so that its end time is when the GPU finished.
void Model::copyOutputsToHost(size_t block, bool wait) {
  BlockCall& call = calls_[block];
  const size_t arguments = manifest_.blocks[block].arguments.size();
  for (const auto& [buffer, output] : call.outputs)
    if (buffer >= arguments) device_->copyToHost(call.buffers[buffer], "output " + std::to_string(output));
  if (wait) device_->sync(call.buffers.back());
}

const void* Model::valueData(int value_id) const {
  if (!kept_) throw Error("intermediate values are kept only when the model is opened to keep them");
  auto it = arena_offset_.find(value_id);
  if (it == arena_offset_.end()) throw Error("value " + std::to_string(value_id) + " is not an activation");
  return arenaBase() + it->second;
}

std::string Model::takeHalideProfile() {
  auto set_print = reinterpret_cast<SetCustomPrint>(library_->symbol("halide_set_custom_print"));
  auto report = reinterpret_cast<ProfilerCall>(library_->symbol("halide_profiler_report"));
  auto reset = reinterpret_cast<void (*)()>(library_->symbol("halide_profiler_reset"));
  if (manifest_.halide_target.find("profile") == std::string::npos || !set_print || !report || !reset)
    throw Error(manifest_.library.string() +
                " was built without Halide's profiler; compile with `kiln profile --halide-profile`");
  halide_printed.clear();
  const halide_print_t previous = set_print(collectHalidePrint);
  report(nullptr);
  set_print(previous);
  reset();
  return halide_printed;
}

}  // namespace kiln::runtime
