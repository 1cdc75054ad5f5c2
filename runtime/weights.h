// The weights file of an artifact, mapped read-only into memory after its header and checksum are checked.
#pragma once

#include <cstdint>
#include <filesystem>

namespace kiln::runtime {

class MappedWeights {
 public:
  // Throws runtime::Error for a missing, truncated or corrupt file (bad magic, size or checksum).
  MappedWeights(const std::filesystem::path& path, uint64_t expected_bytes, uint64_t expected_checksum);
  ~MappedWeights();
  MappedWeights(const MappedWeights&) = delete;
  MappedWeights& operator=(const MappedWeights&) = delete;

  const float* at(uint64_t offset) const { return reinterpret_cast<const float*>(data_ + offset); }
  uint64_t bytes() const { return data_bytes_; }

 private:
  void* mapping_ = nullptr;
  size_t mapping_bytes_ = 0;
  const unsigned char* data_ = nullptr;
  uint64_t data_bytes_ = 0;
};

}  // namespace kiln::runtime
