// The most memory a model may claim: its weights plus its activation arena. A model that would need more
// than the machine has is refused when it is compiled or opened, with a sentence, instead of being killed
// by the kernel halfway through a run. The limit is this machine's physical memory unless KILN_MEMORY_LIMIT
// (or `kiln compile --memory-limit`, for another machine) says otherwise.
#pragma once

#include <cstdint>
#include <string>

namespace kiln::runtime {

// "1073741824", "512M", "8G", "1.5T" (binary units) -> bytes. Throws runtime::Error for anything else.
int64_t parseByteSize(const std::string& text);

struct MemoryLimit {
  int64_t bytes;
  std::string source;  // where the limit comes from, for messages: "KILN_MEMORY_LIMIT", "--memory-limit", ...
};

// KILN_MEMORY_LIMIT if it is set (runtime::Error when it is not a size), else the physical memory.
MemoryLimit memoryLimit();

// Throws runtime::Error when weights + activations exceed `limit`, naming `model` and each part. `at_least`:
// the figures are a lower bound (a compile knows the weights before codegen transforms them and the most
// activation bytes alive at once, not yet the arena).
void checkMemoryLimit(const std::string& model, int64_t weight_bytes, int64_t activation_bytes,
                      const MemoryLimit& limit, bool at_least = false);

}  // namespace kiln::runtime
