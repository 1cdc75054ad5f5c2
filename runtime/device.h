// The GPU side of a CUDA artifact. Activations live in device memory, allocated once at load and shared by
// the block that writes each one and the blocks that read it, so intermediates never visit the host.
// Weights are copied to the device on the first run and stay there; the model's inputs are copied in and
// its outputs out at each run. All of it goes through the Halide runtime inside the artifact's library
// (halide_device_malloc, halide_copy_to_host, ...). That runtime looks for the CUDA driver's symbols in the
// process before it opens "libcuda.so", a name only the driver's development files install, so DeviceMemory
// first opens the driver by the name every driver installs, libcuda.so.1, into the process's global scope.
// A machine without a driver gets a runtime::Error at load.
#pragma once

#include <HalideRuntime.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace kiln::runtime {

class DeviceMemory {
 public:
  using SymbolLookup = std::function<void*(const char* name)>;
  // Throws runtime::Error when the library has no CUDA runtime.
  DeviceMemory(const SymbolLookup& symbol, const std::string& library);
  ~DeviceMemory();
  DeviceMemory(const DeviceMemory&) = delete;
  DeviceMemory& operator=(const DeviceMemory&) = delete;

  // Allocates device memory for activation `value_id` of `buffer`'s type and shape; throws runtime::Error
  // naming the CUDA failure (no driver, no device, out of memory).
  void allocate(int value_id, const halide_buffer_t& buffer);
  // Points `buffer` at the device memory of `value_id`.
  void share(int value_id, halide_buffer_t& buffer) const;
  // Copies an activation to `host` (valueData of a model that keeps intermediates).
  void copyValueToHost(int value_id, void* host);

  // `buffer`'s host memory is newer than its device copy: Halide copies it in before the next kernel reads
  // it.
  static void markHostNewer(halide_buffer_t& buffer) { buffer.flags |= halide_buffer_flag_host_dirty; }
  // Copies a block's result to its host memory (the caller's output); throws runtime::Error on failure.
  void copyToHost(halide_buffer_t& buffer, const std::string& what);
  // Waits for the kernels writing `buffer`, for timing.
  void sync(halide_buffer_t& buffer);
  // Frees device memory that Halide allocated for a buffer it was handed (weights, inputs, outputs).
  void release(halide_buffer_t& buffer);

 private:
  struct Value {
    std::vector<halide_dimension_t> dims;
    halide_buffer_t buffer{};
  };
  using DeviceMalloc = int (*)(void*, halide_buffer_t*, const halide_device_interface_t*);
  using BufferCall = int (*)(void*, halide_buffer_t*);

  const halide_device_interface_t* interface_ = nullptr;
  DeviceMalloc device_malloc_ = nullptr;
  BufferCall device_free_ = nullptr, copy_to_host_ = nullptr, device_sync_ = nullptr;
  void (*device_release_)(void*, const halide_device_interface_t*) = nullptr;
  std::map<int, std::unique_ptr<Value>> values_;
  // libcuda.so.1's dlopen handle (null where there is no driver), closed once ~DeviceMemory released the GPU.
  std::unique_ptr<void, int (*)(void*)> driver_{nullptr, nullptr};
};

}  // namespace kiln::runtime
