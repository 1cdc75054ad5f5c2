// Files kiln writes and reads. Reports and artifacts are written whole or not at all: the text goes to a
// temporary file beside the target, which is renamed over it only once everything is on disk, so an error or
// a full disk never leaves a half-written file behind.
#pragma once

#include <filesystem>
#include <string>

namespace kiln {

void writeFileAtomically(const std::filesystem::path& path, const std::string& contents);
void writeFile(const std::filesystem::path& path, const std::string& contents);
std::string readFile(const std::filesystem::path& path);

// kiln's per-user cache, for what is measured or compiled once per machine (the machine's figures, the tuning
// database, Halide runtimes): $XDG_CACHE_HOME/kiln, else ~/.cache/kiln, else kiln-cache in the temporary
// directory. It may not exist yet.
std::filesystem::path userCacheDirectory();

// A uniquely named file in the system's temporary directory, removed when this object goes away.
class TempFile {
 public:
  explicit TempFile(const std::string& suffix);
  ~TempFile();
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// A fresh directory in the system's temporary directory ("kiln-<name>-XXXXXX"), removed with everything in it
// when this object goes away.
class TempDirectory {
 public:
  explicit TempDirectory(const std::string& name);
  ~TempDirectory();
  TempDirectory(const TempDirectory&) = delete;
  TempDirectory& operator=(const TempDirectory&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace kiln
