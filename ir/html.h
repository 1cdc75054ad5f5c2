// Text helpers for kiln's self-contained HTML reports (partition and profile pages).
#pragma once

#include <string>

namespace kiln {

// Escapes <, > and & for HTML text and attribute values in double quotes (also ").
std::string escapeHtml(const std::string& text);

// JSON placed inside <script> must not contain "</" (it would end the element early).
std::string scriptSafe(const std::string& json);

}  // namespace kiln
