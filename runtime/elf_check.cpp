#include "runtime/elf_check.h"

#include <elf.h>

#include <cstring>
#include <fstream>
#include <vector>

#include "runtime/error.h"

namespace kiln::runtime {

void checkElfComplete(const std::filesystem::path& library) {
  std::ifstream in(library, std::ios::binary);
  const auto refuse = [&](const std::string& what) {
    throw Error("cannot load " + library.string() + ": " + what +
                "; copy the artifact again or recompile it");
  };
  if (!in) refuse("cannot open it");
  const uint64_t size = std::filesystem::file_size(library);
  Elf64_Ehdr header{};
  if (!in.read(reinterpret_cast<char*>(&header), sizeof(header)) ||
      std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0 || header.e_ident[EI_CLASS] != ELFCLASS64)
    refuse("not a 64-bit ELF file");
  const uint64_t headers_end = header.e_phoff + uint64_t{header.e_phnum} * sizeof(Elf64_Phdr);
  if (header.e_phentsize != sizeof(Elf64_Phdr) || header.e_phoff > size || headers_end > size)
    refuse("its program headers lie past its end (" + std::to_string(size) + " bytes)");
  std::vector<Elf64_Phdr> segments(header.e_phnum);
  in.seekg(static_cast<std::streamoff>(header.e_phoff));
  in.read(reinterpret_cast<char*>(segments.data()),
          static_cast<std::streamsize>(segments.size() * sizeof(Elf64_Phdr)));
  for (const Elf64_Phdr& segment : segments)
    if (segment.p_type == PT_LOAD && (segment.p_offset > size || segment.p_filesz > size - segment.p_offset))
      refuse("it is " + std::to_string(size) + " bytes long, shorter than its segments (truncated?)");
}

}  // namespace kiln::runtime
