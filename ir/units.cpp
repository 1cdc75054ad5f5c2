#include "ir/units.h"

#include <cmath>

#include <fmt/format.h>

namespace kiln {

std::string withThousands(int64_t n) {
  std::string digits = std::to_string(std::llabs(n)), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

std::string siUnits(double value, const char* unit) {
  static const char* kPrefixes[] = {"", "K", "M", "G", "T", "P"};
  int p = 0;
  while (std::fabs(value) >= 1000.0 && p < 5) value /= 1000.0, ++p;
  return fmt::format("{:.3g} {}{}", value, kPrefixes[p], unit);
}

std::string binaryBytes(int64_t bytes) {
  static const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  int u = 0;
  while (value >= 1024.0 && u < 4) value /= 1024.0, ++u;
  return u == 0 ? fmt::format("{} B", bytes) : fmt::format("{:.1f} {}", value, kUnits[u]);
}

}  // namespace kiln
