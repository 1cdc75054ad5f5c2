// Prints how many CUDA devices this machine has (0 without a driver): the CLI `gpu` tests skip on 0.
#include <cstdio>

#include "cuda_device.h"

int main() {
  std::printf("%d\n", kiln::testing::cudaDeviceCount());
  return 0;
}
