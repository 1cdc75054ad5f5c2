// ir/forked_jobs.h: jobs run in child processes; a job that throws or dies is reported by name, and the
// parent hears of each success.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <fstream>

#include "ir/error.h"
#include "ir/files.h"
#include "ir/forked_jobs.h"

namespace kiln::testing {
namespace {

TEST(ForkedJobs, RunInChildrenAndReportEachSuccess) {
  TempDirectory dir("forked-jobs");
  std::vector<int> finished;
  std::vector<ForkedJob> jobs;
  for (int j = 0; j < 5; ++j)
    jobs.push_back({"job " + std::to_string(j),
                    [&dir, j] { writeFile(dir.path() / std::to_string(j), std::to_string(getpid())); },
                    [&finished, j] { finished.push_back(j); }});
  runForked(jobs, 2, dir.path(), "compile");
  std::sort(finished.begin(), finished.end());
  EXPECT_EQ(finished, (std::vector<int>{0, 1, 2, 3, 4}));
  for (int j = 0; j < 5; ++j) EXPECT_NE(readFile(dir.path() / std::to_string(j)), std::to_string(getpid()));
}

std::string failureOf(const std::function<void()>& work) {
  TempDirectory dir("forked-failure");
  try {
    runForked({{"block 7 (conv2d)", [] {}, {}}, {"block 8 (relu)", work, {}}}, 2, dir.path(), "compile");
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(ForkedJobs, AThrowingJobIsNamedWithItsMessage) {
  EXPECT_EQ(failureOf([] { throw Error("Halide said no"); }),
            "block 8 (relu) failed to compile: Halide said no");
}

TEST(ForkedJobs, ACrashingJobIsNamedWithItsSignal) {
  const std::string error = failureOf([] { std::raise(SIGSEGV); });
  // Signal 11, or 6 where AddressSanitizer catches the fault and aborts (scripts/sanitize.sh).
  EXPECT_NE(error.find("block 8 (relu) failed to compile: it crashed (signal "), std::string::npos) << error;
}

}  // namespace
}  // namespace kiln::testing
