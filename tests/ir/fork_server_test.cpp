// ir/fork_server.h: each request runs in a new child of the helper (or in a reused one until a job kills it),
// the caller hears how it ended and what a job that threw said, a helper that died is replaced, and a forked
// copy of the caller does not talk to its parent's helper.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>

#include "ir/error.h"
#include "ir/files.h"
#include "ir/fork_server.h"

namespace kiln::testing {
namespace {

namespace fs = std::filesystem;

// Requests are paths: the child writes its pid there; "<path>.throw", "<path>.crash" and "<path>.kill"
// (which ends the helper the first time) pick the other endings.
void job(const std::string& request) {
  const fs::path path(request);
  if (path.extension() == ".throw") throw Error("no: the job's own words");
  if (path.extension() == ".crash") std::raise(SIGSEGV);
  if (path.extension() == ".kill" && !fs::exists(path)) {
    writeFile(path, "");
    kill(getppid(), SIGKILL);
    _exit(0);
  }
  writeFile(path, std::to_string(getpid()));
}

TEST(ForkServer, RunsEachRequestInANewChild) {
  TempDirectory dir("fork-server");
  ForkServer server(job);
  const fs::path first = dir.path() / "first", second = dir.path() / "second";
  EXPECT_EQ(server.run(first.string()).status, 0);
  EXPECT_EQ(server.run(second.string()).status, 0);
  EXPECT_NE(readFile(first), readFile(second));
  EXPECT_NE(readFile(first), std::to_string(getpid()));
}

TEST(ForkServer, ReportsHowTheChildEnded) {
  TempDirectory dir("fork-server");
  ForkServer server(job);
  const ForkServer::Outcome thrown = server.run((dir.path() / "a.throw").string());
  EXPECT_TRUE(WIFEXITED(thrown.status) && WEXITSTATUS(thrown.status) == 1);
  EXPECT_EQ(thrown.error, "no: the job's own words");
  const ForkServer::Outcome crashed = server.run((dir.path() / "a.crash").string());
  // SIGSEGV, or an abort where AddressSanitizer catches the fault (scripts/sanitize.sh).
  EXPECT_TRUE(WIFSIGNALED(crashed.status)) << crashed.status;
  EXPECT_EQ(crashed.error, "");
}

TEST(ForkServer, AReusedChildRunsJobsUntilOneKillsIt) {
  TempDirectory dir("fork-server");
  ForkServer server(job, ForkServer::Children::ReusedUntilOneDies);
  const fs::path first = dir.path() / "first", second = dir.path() / "second";
  EXPECT_EQ(server.run(first.string()).status, 0);
  EXPECT_EQ(server.run(second.string()).status, 0);
  EXPECT_EQ(readFile(first), readFile(second));
  const int thrown = server.run((dir.path() / "a.throw").string()).status;
  EXPECT_TRUE(WIFEXITED(thrown) && WEXITSTATUS(thrown) == 1);
  const fs::path after_throw = dir.path() / "after throw", after_crash = dir.path() / "after crash";
  EXPECT_EQ(server.run(after_throw.string()).status, 0);
  EXPECT_EQ(readFile(after_throw), readFile(first)) << "a job that throws leaves its child running";
  EXPECT_TRUE(WIFSIGNALED(server.run((dir.path() / "a.crash").string()).status));
  EXPECT_EQ(server.run(after_crash.string()).status, 0);
  EXPECT_NE(readFile(after_crash), readFile(first)) << "a crashed child is replaced";
}

TEST(ForkServer, AHelperThatDiedIsReplaced) {
  TempDirectory dir("fork-server");
  ForkServer server(job);
  const fs::path killer = dir.path() / "a.kill", after = dir.path() / "after";
  EXPECT_EQ(server.run(killer.string()).status, 0);  // the helper died; a new one ran it again
  EXPECT_EQ(server.run(after.string()).status, 0);
  EXPECT_TRUE(fs::exists(after));
}

TEST(ForkServer, AForkedCopyStartsItsOwnHelper) {
  TempDirectory dir("fork-server");
  ForkServer server(job);
  EXPECT_EQ(server.run((dir.path() / "parent").string()).status, 0);
  const pid_t copy = fork();
  if (copy == 0) _exit(server.run((dir.path() / "copy").string()).status == 0 ? 0 : 1);
  int status = 0;
  ASSERT_EQ(waitpid(copy, &status, 0), copy);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_EQ(server.run((dir.path() / "parent again").string()).status, 0);
  EXPECT_TRUE(fs::exists(dir.path() / "copy") && fs::exists(dir.path() / "parent again"));
}

}  // namespace
}  // namespace kiln::testing
