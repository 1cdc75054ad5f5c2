#include "runtime/npy.h"

#include <cstring>
#include <fstream>
#include <sstream>

#include "runtime/error.h"

namespace kiln::runtime {
namespace {

constexpr char kMagic[] = "\x93NUMPY";

// The value text after 'key': in the header's Python dict literal.
std::string field(const std::string& header, const std::string& key) {
  const size_t at = header.find("'" + key + "'");
  if (at == std::string::npos) return {};
  size_t start = header.find(':', at) + 1;
  while (start < header.size() && header[start] == ' ') ++start;
  const size_t end = header[start] == '(' ? header.find(')', start) + 1 : header.find_first_of(",}", start);
  return header.substr(start, end - start);
}

std::vector<int64_t> parseShape(const std::string& tuple) {
  std::vector<int64_t> shape;
  std::string inner = tuple.substr(1, tuple.size() - 2);
  std::stringstream parts(inner);
  std::string part;
  while (std::getline(parts, part, ','))
    if (part.find_first_not_of(' ') != std::string::npos) shape.push_back(std::stoll(part));
  return shape;
}

}  // namespace

NpyArray readNpy(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read " + path.string() + ": " + std::strerror(errno));
  char magic[6] = {}, version[2] = {};
  in.read(magic, 6).read(version, 2);
  if (!in || std::memcmp(magic, kMagic, 6) != 0) throw Error(path.string() + " is not a .npy file");
  uint32_t header_bytes = 0;
  if (version[0] == 1) {
    uint16_t short_length = 0;
    in.read(reinterpret_cast<char*>(&short_length), 2);
    header_bytes = short_length;
  } else {
    in.read(reinterpret_cast<char*>(&header_bytes), 4);
  }
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
  NpyArray array{parseShape(field(header, "shape")), *dtype, {}};
  int64_t count = 1;
  for (int64_t d : array.shape) count *= d;
  array.bytes.resize(static_cast<size_t>(count * elementBytes(*dtype)));
  in.read(reinterpret_cast<char*>(array.bytes.data()), static_cast<std::streamsize>(array.bytes.size()));
  if (!in)
    throw Error(path.string() + " is truncated: its header promises " + std::to_string(count) + " " +
                elementTypeName(*dtype) + " elements");
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
