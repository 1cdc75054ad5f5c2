// What `kiln profile` writes: a text table for the terminal, JSON for scripts, a Chrome trace for Perfetto or
// chrome://tracing (one event per block run, its ops as arguments), and a self-contained HTML page with the
// roofline chart (every block a point under the machine's roofline, coloured by pattern) beside the table.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "profiling/block_profile.h"

namespace kiln::profiling {

std::string profileText(const ModelProfile& profile);
nlohmann::json profileJson(const ModelProfile& profile);
nlohmann::json chromeTrace(const ModelProfile& profile);
std::string profileHtml(const ModelProfile& profile);

}  // namespace kiln::profiling
