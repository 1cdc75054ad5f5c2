// A shared library's file holds everything its ELF headers say it does. dlopen maps the loadable segments
// as the program headers describe them; a truncated file maps anyway, and the first touch of a page past
// its end kills the process with SIGBUS instead of failing to load. So the runtime checks the length first.
#pragma once

#include <filesystem>

namespace kiln::runtime {

// Throws runtime::Error naming the file if it is not a 64-bit ELF file or is shorter than its headers say.
void checkElfComplete(const std::filesystem::path& library);

}  // namespace kiln::runtime
