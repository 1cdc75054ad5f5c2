#include "runtime/memory_limit.h"

#include <unistd.h>

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "runtime/error.h"

namespace kiln::runtime {
namespace {

constexpr const char* kEnvironmentVariable = "KILN_MEMORY_LIMIT";

std::string readableBytes(int64_t bytes) {
  char text[32];
  const double mib = static_cast<double>(bytes) / (1 << 20);
  if (mib < 1024)
    std::snprintf(text, sizeof text, "%.1f MiB", mib);
  else
    std::snprintf(text, sizeof text, "%.2f GiB", mib / 1024);
  return text;
}

}  // namespace

int64_t parseByteSize(const std::string& text) {
  static constexpr std::string_view kUnits = "KMGT";
  const auto refuse = [&] {
    return Error("'" + text + "' is not a memory size; write bytes or a number with K, M, G or T, e.g. 8G");
  };
  if (text.empty()) throw refuse();
  double scale = 1;
  std::string number = text;
  const size_t unit = kUnits.find(static_cast<char>(std::toupper(static_cast<unsigned char>(text.back()))));
  if (unit != std::string_view::npos) {
    scale = std::ldexp(1.0, 10 * static_cast<int>(unit + 1));
    number.pop_back();
  }
  char* end = nullptr;
  const double value = std::strtod(number.c_str(), &end);
  if (number.empty() || end != number.c_str() + number.size() || !(value > 0) || value * scale > 0x1p62)
    throw refuse();
  return static_cast<int64_t>(value * scale);
}

MemoryLimit memoryLimit() {
  if (const char* text = std::getenv(kEnvironmentVariable)) {
    try {
      return {parseByteSize(text), kEnvironmentVariable};
    } catch (const Error& e) {
      throw Error(std::string(kEnvironmentVariable) + ": " + e.what());
    }
  }
  const int64_t pages = sysconf(_SC_PHYS_PAGES), page_bytes = sysconf(_SC_PAGESIZE);
  return {pages * page_bytes,
          std::string("this machine's memory; ") + kEnvironmentVariable + " sets another"};
}

void checkMemoryLimit(const std::string& model, int64_t weight_bytes, int64_t activation_bytes,
                      const MemoryLimit& limit, bool at_least) {
  if (weight_bytes + activation_bytes <= limit.bytes) return;
  throw Error("model " + model + (at_least ? " needs at least " : " needs ") +
              readableBytes(weight_bytes + activation_bytes) + " (weights " + readableBytes(weight_bytes) +
              ", activations " + readableBytes(activation_bytes) + "), more than the memory limit of " +
              readableBytes(limit.bytes) + " (" + limit.source +
              "); compile for a smaller --input-shape or batch, or raise the limit");
}

}  // namespace kiln::runtime
