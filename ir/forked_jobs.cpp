#include "ir/forked_jobs.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstring>
#include <exception>
#include <fstream>
#include <map>
#include <optional>
#include <utility>

#include "ir/error.h"
#include "ir/files.h"

namespace kiln {
namespace {

namespace fs = std::filesystem;

fs::path errorFile(const fs::path& scratch, size_t job) {
  return scratch / ("job" + std::to_string(job) + ".error");
}

// In the child: the job, then _exit, so that nothing of the parent's (atexit handlers, static destructors,
// LibTorch's threads) runs here.
[[noreturn]] void runChild(const ForkedJob& job, const fs::path& error_file) {
  int status = 0;
  try {
    job.work();
  } catch (const std::exception& e) {
    std::ofstream(error_file) << e.what();
    status = 1;
  } catch (...) {
    std::ofstream(error_file) << "unknown error";
    status = 1;
  }
  _exit(status);
}

// Why a finished child failed, or nothing if it succeeded.
std::optional<std::string> failureOf(int status, const fs::path& error_file) {
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return std::nullopt;
  if (WIFEXITED(status) && fs::exists(error_file)) return readFile(error_file);
  return abnormalEnd(status);
}

// Waits until one of the running children ends: its pid and wait status. Polls each by its pid, never
// waitpid(-1), so that no other part of the process (a tool run on another thread) loses its child.
std::pair<pid_t, int> waitForOne(const std::map<pid_t, size_t>& running) {
  for (;;) {
    for (const auto& [pid, job] : running) {
      int status = 0;
      const pid_t ended = waitpid(pid, &status, WNOHANG);
      if (ended == pid) return {pid, status};
      if (ended < 0) fail("lost track of the process running job {}: {}", job, std::strerror(errno));
    }
    usleep(2000);
  }
}

}  // namespace

std::string abnormalEnd(int wait_status) {
  if (WIFEXITED(wait_status)) return fmt::format("it exited with status {}", WEXITSTATUS(wait_status));
  if (WIFSIGNALED(wait_status))
    return fmt::format("it crashed (signal {}, {})", WTERMSIG(wait_status), strsignal(WTERMSIG(wait_status)));
  return "ended in an unknown way";
}

void runForked(const std::vector<ForkedJob>& jobs, int parallel, const fs::path& scratch,
               const std::string& task) {
  std::map<pid_t, size_t> running;
  std::optional<std::string> failure;
  size_t next = 0;
  while (next < jobs.size() || !running.empty()) {
    while (!failure && next < jobs.size() && static_cast<int>(running.size()) < std::max(1, parallel)) {
      const pid_t pid = fork();
      if (pid < 0) fail("cannot start a process to {} {}: {}", task, jobs[next].name, std::strerror(errno));
      if (pid == 0) runChild(jobs[next], errorFile(scratch, next));
      running[pid] = next++;
    }
    if (running.empty()) break;
    const auto [pid, status] = waitForOne(running);
    const size_t job = running.at(pid);
    running.erase(pid);
    if (std::optional<std::string> why = failureOf(status, errorFile(scratch, job))) {
      if (!failure) failure = fmt::format("{} failed to {}: {}", jobs[job].name, task, *why);
    } else if (!failure && jobs[job].on_finished) {
      jobs[job].on_finished();
    }
  }
  if (failure) throw Error(*failure);
}

}  // namespace kiln
