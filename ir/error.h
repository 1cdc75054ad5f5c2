// kiln::Error — the one exception type kiln's compiler stages throw.
//
// Every message names the thing that is wrong and, where there is one, what to do about it. Exceptions never
// cross the command line or the runtime's C API: those catch them and turn them into an exit code or a status
// value, so a user sees one clear line and never an abort.
#pragma once

#include <stdexcept>
#include <string>

#include <fmt/format.h>

namespace kiln {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

template <typename... Args>
[[noreturn]] void fail(fmt::format_string<Args...> format, Args&&... args) {
  throw Error(fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace kiln
