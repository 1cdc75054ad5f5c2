#include "runtime/weights.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "runtime/artifact_format.h"
#include "runtime/error.h"

namespace kiln::runtime {
namespace {

[[noreturn]] void corrupt(const std::filesystem::path& path, const std::string& what) {
  throw Error("corrupt weights file " + path.string() + ": " + what +
              "; recompile the model with `kiln compile`");
}

}  // namespace

MappedWeights::MappedWeights(const std::filesystem::path& path, uint64_t expected_bytes,
                             uint64_t expected_checksum) {
  const int fd = open(path.c_str(), O_RDONLY);
  if (fd < 0) throw Error("cannot open weights file " + path.string() + ": " + std::strerror(errno));
  struct stat info {};
  fstat(fd, &info);
  mapping_bytes_ = static_cast<size_t>(info.st_size);
  if (mapping_bytes_ < sizeof(artifact::WeightsHeader)) {
    close(fd);
    corrupt(path, "shorter than its header");
  }
  mapping_ = mmap(nullptr, mapping_bytes_, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (mapping_ == MAP_FAILED) {
    mapping_ = nullptr;
    throw Error("cannot map weights file " + path.string() + ": " + std::strerror(errno));
  }
  artifact::WeightsHeader header;
  std::memcpy(&header, mapping_, sizeof(header));
  try {
    if (std::memcmp(header.magic, artifact::kWeightsMagic, sizeof(header.magic)) != 0)
      corrupt(path, "bad magic");
    if (header.version != artifact::kFormatVersion) corrupt(path, "unsupported version");
    if (header.data_bytes != expected_bytes || header.data_offset + header.data_bytes != mapping_bytes_)
      corrupt(path, "size does not match the manifest");
    data_ = static_cast<const unsigned char*>(mapping_) + header.data_offset;
    data_bytes_ = header.data_bytes;
    const uint64_t checksum = artifact::weightsChecksum(data_, data_bytes_);
    if (checksum != header.checksum || checksum != expected_checksum) corrupt(path, "checksum mismatch");
  } catch (...) {
    munmap(mapping_, mapping_bytes_);
    throw;
  }
}

MappedWeights::~MappedWeights() {
  if (mapping_) munmap(mapping_, mapping_bytes_);
}

}  // namespace kiln::runtime
