// The runtime's exception type. It never leaves the runtime: the C API turns it into KILN_ERROR and a
// message.
#pragma once

#include <stdexcept>
#include <string>

namespace kiln::runtime {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace kiln::runtime
