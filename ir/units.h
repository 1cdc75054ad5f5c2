// Number formatting for kiln's human-readable reports.
#pragma once

#include <cstdint>
#include <string>

namespace kiln {

std::string withThousands(int64_t n);                 // 11689512 -> "11,689,512"
std::string siUnits(double value, const char* unit);  // 3.64e9, "FLOP" -> "3.64 GFLOP"
std::string binaryBytes(int64_t bytes);               // 46758048 -> "44.6 MiB"

}  // namespace kiln
