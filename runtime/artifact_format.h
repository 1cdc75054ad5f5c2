// The on-disk format of a compiled artifact, shared by the writer (codegen's packager) and the reader (the
// runtime). Header-only and dependency-free so that both sides use one definition.
//
// An artifact directory holds:
//   manifest.json      what the runtime needs (values, blocks, weights) plus the compile's report
//   lib<model>.so      every block's pipeline and one Halide runtime (lib<model>.a: the same, static)
//   <model>.h          C declarations of the block entry points and the model's tensor shapes
//   <model>.weights    a 64-byte header, then every constant in its packed layout, each 64-byte aligned
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace kiln::artifact {

inline constexpr const char* kManifestFile = "manifest.json";
inline constexpr int kFormatVersion = 1;
inline constexpr char kWeightsMagic[8] = {'K', 'I', 'L', 'N', 'W', 'T', 'S', '1'};
inline constexpr uint64_t kWeightsAlignment = 64;

struct WeightsHeader {
  char magic[8];
  uint32_t version;
  uint32_t alignment;
  uint64_t data_offset;  // from the start of the file; equal to sizeof(WeightsHeader)
  uint64_t data_bytes;   // a multiple of the alignment
  uint64_t checksum;     // weightsChecksum of the data section
  uint8_t reserved[24];
};
static_assert(sizeof(WeightsHeader) == 64, "the weights header is one cache line");

// FNV-1a over 64-bit little-endian words (the data section is a multiple of 8 bytes long).
inline uint64_t weightsChecksum(const void* data, size_t bytes) {
  uint64_t hash = 0xcbf29ce484222325ull;
  const auto* p = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i + 8 <= bytes; i += 8) {
    uint64_t word;
    std::memcpy(&word, p + i, 8);
    hash = (hash ^ word) * 0x100000001b3ull;
  }
  return hash;
}

inline uint64_t alignUp(uint64_t bytes) {
  return (bytes + kWeightsAlignment - 1) / kWeightsAlignment * kWeightsAlignment;
}

}  // namespace kiln::artifact
