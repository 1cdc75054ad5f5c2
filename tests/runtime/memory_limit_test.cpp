// The memory limit a model is checked against when compiled and opened (runtime/memory_limit.h).
#include "runtime/memory_limit.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "runtime/error.h"

namespace kiln::runtime {
namespace {

TEST(MemoryLimit, ReadsBytesAndBinaryUnits) {
  EXPECT_EQ(parseByteSize("1073741824"), int64_t{1} << 30);
  EXPECT_EQ(parseByteSize("512M"), int64_t{512} << 20);
  EXPECT_EQ(parseByteSize("8g"), int64_t{8} << 30);
  EXPECT_EQ(parseByteSize("1.5T"), int64_t{3} << 39);
  EXPECT_EQ(parseByteSize("100K"), 102400);
}

TEST(MemoryLimit, RefusesWhatIsNotASize) {
  for (const char* text : {"", "G", "12Q", "-1G", "0", "1e30G", "8 G", "lots"})
    EXPECT_THROW(parseByteSize(text), Error) << text;
}

TEST(MemoryLimit, IsTheEnvironmentsOrTheMachinesMemory) {
  unsetenv("KILN_MEMORY_LIMIT");
  EXPECT_GT(memoryLimit().bytes, int64_t{1} << 28);
  setenv("KILN_MEMORY_LIMIT", "3G", 1);
  EXPECT_EQ(memoryLimit().bytes, int64_t{3} << 30);
  setenv("KILN_MEMORY_LIMIT", "plenty", 1);
  EXPECT_THROW(memoryLimit(), Error);
  unsetenv("KILN_MEMORY_LIMIT");
}

TEST(MemoryLimit, NamesEachPartOfAModelOverIt) {
  const MemoryLimit limit{int64_t{1} << 30, "--memory-limit"};
  EXPECT_NO_THROW(checkMemoryLimit("m", int64_t{512} << 20, int64_t{512} << 20, limit));
  try {
    checkMemoryLimit("m", int64_t{512} << 20, int64_t{513} << 20, limit, /*at_least=*/true);
    FAIL() << "a model over the limit was accepted";
  } catch (const Error& e) {
    EXPECT_STREQ(
        e.what(),
        "model m needs at least 1.00 GiB (weights 512.0 MiB, activations 513.0 MiB), more than the "
        "memory limit of 1.00 GiB (--memory-limit); compile for a smaller --input-shape or batch, or "
        "raise the limit");
  }
}

}  // namespace
}  // namespace kiln::runtime
