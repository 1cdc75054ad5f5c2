#include "ir/files.h"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "ir/error.h"

namespace kiln {

namespace {

// Writes the whole file; the error that stopped it, or none.
std::error_code tryWrite(const std::filesystem::path& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary);
  out << contents;
  out.close();
  return out ? std::error_code() : std::error_code(errno, std::generic_category());
}

}  // namespace

void writeFile(const std::filesystem::path& path, const std::string& contents) {
  if (std::error_code error = tryWrite(path, contents))
    fail("cannot write {}: {}", path.string(), error.message());
}

void writeFileAtomically(const std::filesystem::path& path, const std::string& contents) {
  std::filesystem::path directory = path.parent_path().empty() ? "." : path.parent_path();
  if (!std::filesystem::is_directory(directory))
    fail("cannot write {}: the directory {} does not exist", path.string(), directory.string());
  std::filesystem::path partial = path;
  partial += ".partial";
  std::error_code error = tryWrite(partial, contents);
  if (!error) std::filesystem::rename(partial, path, error);
  if (error) {
    std::error_code ignored;
    std::filesystem::remove(partial, ignored);
    fail("cannot write {}: {}", path.string(), error.message());
  }
}

std::string readFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot read {}: {}", path.string(), std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::filesystem::path userCacheDirectory() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg)
    return std::filesystem::path(xdg) / "kiln";
  if (const char* home = std::getenv("HOME"); home && *home)
    return std::filesystem::path(home) / ".cache" / "kiln";
  return std::filesystem::temp_directory_path() / "kiln-cache";
}

TempFile::TempFile(const std::string& suffix) {
  std::string pattern = (std::filesystem::temp_directory_path() / ("kiln-XXXXXX" + suffix)).string();
  int fd = mkstemps(pattern.data(), static_cast<int>(suffix.size()));
  if (fd < 0)
    fail("cannot create a temporary file in {}: {}", std::filesystem::temp_directory_path().string(),
         std::strerror(errno));
  close(fd);
  path_ = pattern;
}

TempFile::~TempFile() {
  std::error_code ignored;
  std::filesystem::remove(path_, ignored);
}

TempDirectory::TempDirectory(const std::string& name) {
  std::string pattern = (std::filesystem::temp_directory_path() / ("kiln-" + name + "-XXXXXX")).string();
  if (!mkdtemp(pattern.data()))
    fail("cannot create a temporary directory in {}: {}", std::filesystem::temp_directory_path().string(),
         std::strerror(errno));
  path_ = pattern;
}

TempDirectory::~TempDirectory() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

}  // namespace kiln
