// Whether this machine has a CUDA device, asked of the driver directly (libcuda.so.1, loaded at run time as
// Halide's runtime does), so that the `gpu` tests can skip with "skipped: no CUDA device" where none is.
#pragma once

#include <dlfcn.h>

namespace kiln::testing {

inline int cudaDeviceCount() {
  void* cuda = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!cuda) return 0;
  auto init = reinterpret_cast<int (*)(unsigned)>(dlsym(cuda, "cuInit"));
  auto count = reinterpret_cast<int (*)(int*)>(dlsym(cuda, "cuDeviceGetCount"));
  int devices = 0;
  if (!init || !count || init(0) != 0 || count(&devices) != 0) devices = 0;
  dlclose(cuda);
  return devices;
}

}  // namespace kiln::testing
