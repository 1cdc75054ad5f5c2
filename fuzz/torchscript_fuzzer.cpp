// libFuzzer target: TorchScript import (frontend::importTorchScript) of mutated .pt files. A .pt is a zip
// whose records carry CRC-32s, so byte-level mutations would mostly test the zip reader's checksum check.
// The custom mutator therefore mutates ONE record (the pickled module, its constants, the serialized Python
// code, a tensor's bytes, kiln's stored input shape) and re-packs the archive with valid checksums, as a
// careless tool or an attacker would; input that is no archive is mutated as bytes. Import must either
// refuse with kiln's own error (kiln::Error) or return a graph that passes the IR verifier; a crash, a
// sanitizer report in this process, or any other exception escaping (LibTorch's c10::Error included) is a
// finding.
#include <c10/util/Logging.h>
#include <caffe2/serialize/inline_container.h>
#include <caffe2/serialize/read_adapter_interface.h>
#include <pthread.h>
#include <sanitizer/common_interface_defs.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "frontend/torchscript_importer.h"
#include "fuzz/fuzz_support.h"
#include "ir/error.h"
#include "ir/verifier.h"

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size);

namespace {

namespace serialize = caffe2::serialize;

struct Record {
  std::string name;
  std::vector<uint8_t> bytes;
};

struct Archive {
  uint64_t version = 0;
  std::vector<Record> records;  // without the version record, which the writer adds
};

// The archive's bytes as LibTorch's zip reader sees a file: reads past the end come back short. (LibTorch's
// MemoryReadAdapter copies whatever is asked, past the buffer's ends on a damaged archive; kiln reads .pt
// files through LibTorch's FileAdapter, which stops at the file's end like this.)
class BoundedReadAdapter final : public serialize::ReadAdapterInterface {
 public:
  BoundedReadAdapter(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  size_t size() const override { return size_; }
  size_t read(uint64_t pos, void* buf, size_t n, const char*) const override {
    if (pos >= size_) return 0;
    n = std::min<uint64_t>(n, size_ - pos);
    std::memcpy(buf, data_ + pos, n);
    return n;
  }

 private:
  const uint8_t* data_;
  size_t size_;
};

std::optional<Archive> readArchive(const uint8_t* data, size_t size) {
  try {
    serialize::PyTorchStreamReader reader(std::make_shared<BoundedReadAdapter>(data, size));
    Archive archive{reader.version(), {}};
    for (const std::string& name : reader.getAllRecords()) {
      if (name == "version" || name == ".data/version") continue;
      auto [bytes, length] = reader.getRecord(name);
      const auto* begin = static_cast<const uint8_t*>(bytes.get());
      archive.records.push_back({name, std::vector<uint8_t>(begin, begin + length)});
    }
    return archive;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::vector<uint8_t> writeArchive(const Archive& archive) {
  std::vector<uint8_t> out;
  serialize::PyTorchStreamWriter writer([&out](const void* data, size_t size) {
    const auto* bytes = static_cast<const uint8_t*>(data);
    out.insert(out.end(), bytes, bytes + size);
    return size;
  });
  writer.setMinVersion(archive.version);
  for (const Record& record : archive.records)
    writer.writeRecord(record.name, record.bytes.data(), record.bytes.size());
  writer.writeEndOfFile();
  return out;
}

// libFuzzer's own byte mutations, applied to one record; the record may grow by up to half its size.
void mutateRecord(Record& record) {
  const size_t size = record.bytes.size();
  record.bytes.resize(size + size / 2 + 16);
  record.bytes.resize(LLVMFuzzerMutate(record.bytes.data(), size, record.bytes.size()));
}

}  // namespace

// kiln loads each file in a throwaway process first (torchscript_importer.cpp), and LibTorch crashes there on
// some files: kiln reports that as an error, so the child must not report it to libFuzzer as a finding.
// LibTorch symbolizes a C++ backtrace for every error it raises, which kiln never shows (it reads
// what_without_backtrace); most mutated files raise one, so skipping it speeds the fuzzer up.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  pthread_atfork(nullptr, nullptr, [] { __sanitizer_set_death_callback(nullptr); });
  c10::SetStackTraceFetcher([] { return std::string(); });
  // Before the corpus is read in, so that the helper stays small; each probe child serves loads until one
  // crashes it: 12,841 executions in 180 s against 4,316 with a child per load (one core each, the same 150
  // files). A finding is replayed alone, in a fresh child.
  kiln::frontend::startLoadProbes(kiln::ForkServer::Children::ReusedUntilOneDies);
  return 0;
}

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size, unsigned int seed) {
  std::optional<Archive> archive = readArchive(data, size);
  if (!archive || archive->records.empty()) return LLVMFuzzerMutate(data, size, max_size);
  std::minstd_rand random(seed);
  mutateRecord(archive->records[random() % archive->records.size()]);
  std::vector<uint8_t> mutated = writeArchive(*archive);
  if (mutated.size() > max_size) return LLVMFuzzerMutate(data, size, max_size);
  std::memcpy(data, mutated.data(), mutated.size());
  return mutated.size();
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const kiln::fuzz::ScratchFile file("torchscript.pt");
  file.write(data, size);
  try {
    const kiln::ir::Graph graph = kiln::frontend::importTorchScript(file.path());
    if (!kiln::ir::verify(graph).empty()) std::abort();
  } catch (const kiln::Error&) {
  }
  return 0;
}
