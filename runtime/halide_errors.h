// The error handler kiln installs in every artifact's Halide runtime. Halide reports a failing pipeline or
// device call through it and then returns non-zero; the default handler aborts the process instead.
#pragma once

#include <string>

namespace kiln::runtime {

// Keeps the message for this thread (the handler's signature is Halide's halide_error_handler_t).
void recordHalideError(void* user_context, const char* message);
// The message recorded on this thread since the last call, then forgets it.
std::string takeHalideError();

}  // namespace kiln::runtime
