#include "runtime/npy.h"

#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>

#include "runtime/error.h"

namespace kiln::runtime {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
// NumPy writes headers of a few hundred bytes and refuses to read ones over 10000; a longer one is damage.
constexpr uint32_t kMaxHeaderBytes = 65536;

[[noreturn]] void malformed(const std::filesystem::path& path, const std::string& what) {
  throw Error(path.string() + " is not a valid .npy file: " + what + "; save it with numpy.save");
}

// The value text after 'key': in the header's Python dict literal; empty if there is none.
std::string field(const std::string& header, const std::string& key) {
  const size_t at = header.find("'" + key + "'");
  const size_t colon = at == std::string::npos ? at : header.find(':', at);
  if (colon == std::string::npos) return {};
  const size_t start = header.find_first_not_of(' ', colon + 1);
  if (start == std::string::npos) return {};
  const size_t stop = header[start] == '(' ? header.find(')', start) : header.find_first_of(",}", start) - 1;
  if (stop == std::string::npos || stop < start) return {};
  return header.substr(start, stop - start + 1);
}

// "(1, 3, 224, 224)" or "(10,)" or "()"; nullopt for anything else, a negative size, or more elements than
// 64-bit byte counts can hold.
std::optional<std::vector<int64_t>> parseShape(const std::string& tuple) {
  if (tuple.size() < 2 || tuple.front() != '(' || tuple.back() != ')') return std::nullopt;
  std::vector<int64_t> shape;
  std::stringstream parts(tuple.substr(1, tuple.size() - 2));
  std::string part;
  int64_t elements = 1;
  while (std::getline(parts, part, ',')) {
    const size_t first = part.find_first_not_of(' ');
    if (first == std::string::npos) continue;
    const size_t last = part.find_last_not_of(' ');
    int64_t dim = -1;
    const auto [end, error] = std::from_chars(part.data() + first, part.data() + last + 1, dim);
    if (error != std::errc() || end != part.data() + last + 1 || dim < 0) return std::nullopt;
    if (__builtin_mul_overflow(elements, dim, &elements) || elements > (int64_t{1} << 56))
      return std::nullopt;
    shape.push_back(dim);
  }
  return shape;
}

}  // namespace

NpyArray readNpy(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read " + path.string() + ": " + std::strerror(errno));
  const uint64_t file_bytes = std::filesystem::file_size(path);
  char magic[6] = {}, version[2] = {};
  in.read(magic, 6).read(version, 2);
  if (!in || std::memcmp(magic, kMagic, 6) != 0) throw Error(path.string() + " is not a .npy file");
  if (version[0] < 1 || version[0] > 3) malformed(path, "format version " + std::to_string(version[0]));
  uint32_t header_bytes = 0;
  if (version[0] == 1) {
    uint16_t short_length = 0;
    in.read(reinterpret_cast<char*>(&short_length), 2);
    header_bytes = short_length;
  } else {
    in.read(reinterpret_cast<char*>(&header_bytes), 4);
  }
  const uint64_t data_start = static_cast<uint64_t>(in.tellg()) + header_bytes;
  if (!in || header_bytes > kMaxHeaderBytes || data_start > file_bytes)
    malformed(path, "its header length " + std::to_string(header_bytes) + " runs past the file's " +
                        std::to_string(file_bytes) + " bytes");
  std::string header(header_bytes, '\0');
  in.read(header.data(), header_bytes);
  const std::string descr = field(header, "descr");
  const std::optional<ElementType> dtype =
      descr.size() > 2 ? elementTypeOfNpy(descr.substr(1, descr.size() - 2)) : std::nullopt;
  if (!dtype)
    throw Error(path.string() + " holds dtype " + descr +
                "; kiln reads float32 ('<f4'), int64 ('<i8') and bool ('|b1'): save with .astype('float32')");
  if (field(header, "fortran_order") != "False")
    throw Error(path.string() + " is in Fortran order; save a C-ordered array (numpy.ascontiguousarray)");
  const std::optional<std::vector<int64_t>> shape = parseShape(field(header, "shape"));
  if (!shape) malformed(path, "its shape " + field(header, "shape") + " is not a tuple of sizes");
  NpyArray array{*shape, *dtype, {}};
  int64_t count = 1;
  for (int64_t d : array.shape) count *= d;  // parseShape bounded the product
  const uint64_t bytes = static_cast<uint64_t>(count * elementBytes(*dtype));
  if (bytes > file_bytes - data_start)
    throw Error(path.string() + " is truncated: its header promises " + std::to_string(count) + " " +
                elementTypeName(*dtype) + " elements");
  array.bytes.resize(static_cast<size_t>(bytes));
  in.read(reinterpret_cast<char*>(array.bytes.data()), static_cast<std::streamsize>(array.bytes.size()));
  if (!in) throw Error("cannot read " + path.string() + ": " + std::strerror(errno));
  return array;
}

void writeNpy(const std::filesystem::path& path, const std::vector<int64_t>& shape, ElementType dtype,
              const void* data) {
  std::string dims;
  int64_t count = 1;
  for (int64_t d : shape) {
    dims += std::to_string(d) + ",";
    count *= d;
  }
  if (shape.size() > 1) dims.pop_back();
  std::string header =
      "{'descr': '" + std::string(npyDescr(dtype)) + "', 'fortran_order': False, 'shape': (" + dims + "), }";
  // Magic, version and length take 10 bytes; the header is padded with spaces to a multiple of 64 and ends in
  // \n.
  header.append(63 - (10 + header.size()) % 64, ' ');
  header += '\n';
  std::ofstream out(path, std::ios::binary);
  const uint16_t length = static_cast<uint16_t>(header.size());
  out.write(kMagic, 6).write("\x01\x00", 2).write(reinterpret_cast<const char*>(&length), 2);
  out << header;
  out.write(static_cast<const char*>(data), count * elementBytes(dtype));
  if (!out) throw Error("cannot write " + path.string() + ": " + std::strerror(errno));
}

}  // namespace kiln::runtime
