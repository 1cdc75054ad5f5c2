#include "runtime/halide_errors.h"

namespace kiln::runtime {
namespace {

thread_local std::string last_halide_error;

}  // namespace

void recordHalideError(void*, const char* message) {
  last_halide_error = message;
}

std::string takeHalideError() {
  std::string message;
  message.swap(last_halide_error);
  return message;
}

}  // namespace kiln::runtime
