// codegen/forked_jobs.h: jobs run in child processes; a job that throws or dies is reported by name, and the
// parent hears of each success.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <fstream>

#include "codegen/forked_jobs.h"
#include "codegen_test_support.h"
#include "ir/error.h"
#include "ir/files.h"

namespace kiln::testing {
namespace {

TEST(ForkedJobs, RunInChildrenAndReportEachSuccess) {
  ScratchDir dir("forked-jobs");
  std::vector<int> finished;
  std::vector<codegen::ForkedJob> jobs;
  for (int j = 0; j < 5; ++j)
    jobs.push_back({"job " + std::to_string(j),
                    [&dir, j] { writeFile(dir.path() / std::to_string(j), std::to_string(getpid())); },
                    [&finished, j] { finished.push_back(j); }});
  codegen::runForked(jobs, 2, dir.path());
  std::sort(finished.begin(), finished.end());
  EXPECT_EQ(finished, (std::vector<int>{0, 1, 2, 3, 4}));
  for (int j = 0; j < 5; ++j) EXPECT_NE(readFile(dir.path() / std::to_string(j)), std::to_string(getpid()));
}

std::string failureOf(const std::function<void()>& work) {
  ScratchDir dir("forked-failure");
  try {
    codegen::runForked({{"block 7 (conv2d)", [] {}, {}}, {"block 8 (relu)", work, {}}}, 2, dir.path());
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
  EXPECT_NE(error.find("block 8 (relu) failed to compile: the compiler crashed (signal 11"),
            std::string::npos)
      << error;
}

}  // namespace
}  // namespace kiln::testing
