// The artifact's list of file digests, checksums.xxh128: one line per file, "<32 hex digits>  <name>", the
// format `xxhsum -H2` writes, so `xxhsum -c checksums.xxh128` checks a copied artifact by hand. The packager
// writes it last, over every other file; the runtime checks the manifest and the library against it before it
// parses or loads them (the weights carry their own checksum, which the manifest records).
//
// It catches damage (a truncated copy, an edited manifest, another build's library); whoever rewrites the
// list as well gets past it, and the runtime's cross-checks (manifest_check.h) stand behind it for that.
// Header-only, like artifact_format.h, so that the writer (codegen) and the reader (runtime) share it.
#pragma once

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace kiln::artifact {

inline constexpr const char* kChecksumsFile = "checksums.xxh128";

// XXH3's 128-bit digest of a file in the canonical (big-endian) hex that xxhsum prints; nullopt when the
// file cannot be read.
inline std::optional<std::string> fileDigest(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  XXH3_state_t state;
  XXH3_INITSTATE(&state);
  XXH3_128bits_reset(&state);
  std::vector<char> chunk(1 << 20);
  while (in) {
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    XXH3_128bits_update(&state, chunk.data(), static_cast<size_t>(in.gcount()));
  }
  if (in.bad()) return std::nullopt;
  XXH128_canonical_t canonical;
  XXH128_canonicalFromHash(&canonical, XXH3_128bits_digest(&state));
  std::string hex;
  char byte[3];
  for (unsigned char b : canonical.digest) {
    std::snprintf(byte, sizeof(byte), "%02x", b);
    hex += byte;
  }
  return hex;
}

// The text of checksums.xxh128 for `directory`: a line per other regular file, sorted by name. nullopt when
// a file cannot be read; `unreadable` then names it.
inline std::optional<std::string> checksumsText(const std::filesystem::path& directory,
                                                std::string& unreadable) {
  std::vector<std::string> files;
  for (const std::filesystem::directory_entry& entry : std::filesystem::directory_iterator(directory))
    if (entry.is_regular_file() && entry.path().filename() != kChecksumsFile)
      files.push_back(entry.path().filename().string());
  std::sort(files.begin(), files.end());
  std::string text;
  for (const std::string& file : files) {
    const std::optional<std::string> digest = fileDigest(directory / file);
    if (!digest) {
      unreadable = file;
      return std::nullopt;
    }
    text += *digest + "  " + file + "\n";
  }
  return text;
}

// File name -> digest, from the text of checksums.xxh128; nullopt if a line is not "<32 hex>  <name>".
inline std::optional<std::map<std::string, std::string>> parseChecksums(const std::string& text) {
  std::map<std::string, std::string> digests;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.size() < 35 || line.compare(32, 2, "  ") != 0) return std::nullopt;
    const std::string digest = line.substr(0, 32);
    if (digest.find_first_not_of("0123456789abcdef") != std::string::npos) return std::nullopt;
    digests[line.substr(34)] = digest;
  }
  return digests;
}

}  // namespace kiln::artifact
