#include "codegen/runtime_cache.h"

#include <dlfcn.h>
#include <unistd.h>

#include <string>

#include <fmt/format.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

namespace kiln::codegen {
namespace {

namespace fs = std::filesystem;

// The loaded libHalide, by its path, size and modification time (what ccache checks a compiler by): a
// rebuilt or upgraded libHalide may compile a different runtime.
std::string libHalideIdentity() {
  Dl_info info{};
  std::error_code error;
  if (!dladdr(reinterpret_cast<void*>(&Halide::get_host_target), &info) || !info.dli_fname)
    return "libHalide";
  const fs::path library = fs::canonical(info.dli_fname, error);
  const auto size = fs::file_size(library, error);
  const auto modified = fs::last_write_time(library, error).time_since_epoch().count();
  const std::string identity = fmt::format("{}\n{}\n{}", library.string(), size, modified);
  return fmt::format("{:016x}", XXH3_64bits(identity.data(), identity.size()));
}

}  // namespace

fs::path keptRuntimePath(const fs::path& directory, const Halide::Target& target) {
  static const std::string library = libHalideIdentity();
  return directory / fmt::format("halide_runtime-{}-{}.o", target.to_string(), library);
}

void keepRuntime(const fs::path& object, const fs::path& kept) {
  std::error_code error;
  fs::create_directories(kept.parent_path(), error);
  fs::path partial = kept;
  partial += fmt::format(".{}.partial", getpid());
  if (fs::copy_file(object, partial, fs::copy_options::overwrite_existing, error))
    fs::rename(partial, kept, error);
  if (error) fs::remove(partial, error);
}

}  // namespace kiln::codegen
