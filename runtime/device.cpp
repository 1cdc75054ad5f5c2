#include "runtime/device.h"

#include <dlfcn.h>

#include "runtime/error.h"
#include "runtime/halide_errors.h"

namespace kiln::runtime {

DeviceMemory::DeviceMemory(const SymbolLookup& symbol, const std::string& library)
    : driver_(dlopen("libcuda.so.1", RTLD_NOW | RTLD_GLOBAL),
              [](void* handle) { return handle ? dlclose(handle) : 0; }) {
  using Interface = const halide_device_interface_t* (*)();
  auto cuda_interface = reinterpret_cast<Interface>(symbol("halide_cuda_device_interface"));
  device_malloc_ = reinterpret_cast<DeviceMalloc>(symbol("halide_device_malloc"));
  device_free_ = reinterpret_cast<BufferCall>(symbol("halide_device_free"));
  copy_to_host_ = reinterpret_cast<BufferCall>(symbol("halide_copy_to_host"));
  device_sync_ = reinterpret_cast<BufferCall>(symbol("halide_device_sync"));
  device_release_ =
      reinterpret_cast<void (*)(void*, const halide_device_interface_t*)>(symbol("halide_device_release"));
  if (!cuda_interface || !device_malloc_ || !device_free_ || !copy_to_host_ || !device_sync_ ||
      !device_release_)
    throw Error(library +
                " was compiled for CUDA but carries no CUDA runtime; recompile with `kiln compile`");
  interface_ = cuda_interface();
  // One float allocated and freed: a machine without a usable GPU is told so at load, not at the first run.
  halide_dimension_t dim{0, 1, 1, 0};
  halide_buffer_t probe{};
  probe.type = halide_type_t(halide_type_float, 32, 1);
  probe.dimensions = 1;
  probe.dim = &dim;
  allocate(-1, probe);
  device_free_(nullptr, &values_.at(-1)->buffer);
  values_.erase(-1);
}

DeviceMemory::~DeviceMemory() {
  for (auto& [id, value] : values_) device_free_(nullptr, &value->buffer);
  device_release_(nullptr, interface_);
  takeHalideError();
}

void DeviceMemory::allocate(int value_id, const halide_buffer_t& buffer) {
  auto value = std::make_unique<Value>();
  value->dims.assign(buffer.dim, buffer.dim + buffer.dimensions);
  value->buffer = buffer;
  value->buffer.host = nullptr;
  value->buffer.dim = value->dims.data();
  value->buffer.device = 0;
  value->buffer.device_interface = nullptr;
  value->buffer.flags = 0;
  if (device_malloc_(nullptr, &value->buffer, interface_) != 0)
    throw Error("cannot use the GPU: " + takeHalideError() +
                "; this artifact was compiled with --target cuda and needs an NVIDIA GPU with its driver "
                "(libcuda.so.1), or recompile it for the CPU (--target host)");
  values_[value_id] = std::move(value);
}

void DeviceMemory::share(int value_id, halide_buffer_t& buffer) const {
  const halide_buffer_t& device = values_.at(value_id)->buffer;
  buffer.device = device.device;
  buffer.device_interface = device.device_interface;
}

void DeviceMemory::copyValueToHost(int value_id, void* host) {
  halide_buffer_t& buffer = values_.at(value_id)->buffer;
  buffer.host = static_cast<uint8_t*>(host);
  buffer.flags = halide_buffer_flag_device_dirty;
  const int status = copy_to_host_(nullptr, &buffer);
  buffer.host = nullptr;
  if (status != 0)
    throw Error("cannot copy value " + std::to_string(value_id) + " from the GPU: " + takeHalideError());
}

void DeviceMemory::copyToHost(halide_buffer_t& buffer, const std::string& what) {
  if (copy_to_host_(nullptr, &buffer) != 0)
    throw Error("cannot copy " + what + " from the GPU: " + takeHalideError());
}

void DeviceMemory::sync(halide_buffer_t& buffer) {
  if (device_sync_(nullptr, &buffer) != 0) throw Error("GPU kernels failed: " + takeHalideError());
}

void DeviceMemory::release(halide_buffer_t& buffer) {
  if (buffer.device) device_free_(nullptr, &buffer);
}

}  // namespace kiln::runtime
