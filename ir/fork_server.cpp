#include "ir/fork_server.h"

#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <exception>
#include <utility>

#include "ir/error.h"

namespace kiln {
namespace {

// The reply when the helper could not fork; no wait status is negative.
constexpr int kNoChild = -1;

// The whole of `size` bytes, or false when the other end closed or failed.
bool sendAll(int socket, const void* data, size_t size) {
  const auto* bytes = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t sent = send(socket, bytes, size, MSG_NOSIGNAL);
    if (sent < 0 && errno == EINTR) continue;
    if (sent <= 0) return false;
    bytes += sent;
    size -= static_cast<size_t>(sent);
  }
  return true;
}

bool receiveAll(int socket, void* data, size_t size) {
  auto* bytes = static_cast<char*>(data);
  while (size > 0) {
    const ssize_t received = recv(socket, bytes, size, 0);
    if (received < 0 && errno == EINTR) continue;
    if (received <= 0) return false;
    bytes += received;
    size -= static_cast<size_t>(received);
  }
  return true;
}

// A string (a request, an error) is its length and that many bytes.
bool sendString(int socket, const std::string& text) {
  const uint64_t length = text.size();
  return sendAll(socket, &length, sizeof length) && sendAll(socket, text.data(), text.size());
}

// Requests are paths and errors a sentence; a longer length is a peer gone wrong, not something to allocate.
constexpr uint64_t kLongestString = uint64_t{1} << 20;

bool receiveString(int socket, std::string& text) {
  uint64_t length = 0;
  if (!receiveAll(socket, &length, sizeof length) || length > kLongestString) return false;
  text.assign(length, '\0');
  return receiveAll(socket, text.data(), length);
}

// An outcome is its status and its error.
bool sendOutcome(int socket, const ForkServer::Outcome& outcome) {
  return sendAll(socket, &outcome.status, sizeof outcome.status) && sendString(socket, outcome.error);
}

bool receiveOutcome(int socket, ForkServer::Outcome& outcome) {
  return receiveAll(socket, &outcome.status, sizeof outcome.status) && receiveString(socket, outcome.error);
}

// A child's loop: an outcome per request, 0, or the wait status of a child that exited with 1 when the job
// threw, and what it threw. It ends when the helper closes its end, with _exit, so that nothing of the
// caller's (atexit handlers, static destructors) runs here.
[[noreturn]] void work(int socket, const ForkServer::Job& job) {
  for (std::string request; receiveString(socket, request);) {
    ForkServer::Outcome outcome;
    try {
      job(request);
    } catch (const std::exception& e) {
      outcome = {W_EXITCODE(1, 0), e.what()};
    } catch (...) {
      outcome = {W_EXITCODE(1, 0), "an unknown exception"};
    }
    if (!sendOutcome(socket, outcome)) break;
  }
  _exit(0);
}

struct Child {
  pid_t pid = -1;
  int socket = -1;
};

// A child of the helper running `work`; no child (pid -1) when none can be started.
Child startChild(int helper_socket, const ForkServer::Job& job) {
  int ends[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) != 0) return {};
  const pid_t pid = fork();
  if (pid == 0) {
    close(helper_socket);
    close(ends[0]);
    work(ends[1], job);
  }
  close(ends[1]);
  if (pid < 0) {
    close(ends[0]);
    return {};
  }
  return {pid, ends[0]};
}

// Closes the child's end (it exits) and reaps it; its wait status.
int endChild(Child& child) {
  close(child.socket);
  int status = kNoChild;
  waitpid(child.pid, &status, 0);
  child = {};
  return status;
}

// `request` run by `child`, started if none runs: its outcome, or the wait status of a child that died on it.
ForkServer::Outcome runInChild(Child& child, int helper_socket, const std::string& request,
                               const ForkServer::Job& job) {
  if (child.pid < 0) child = startChild(helper_socket, job);
  if (child.pid < 0) return {kNoChild, ""};
  ForkServer::Outcome outcome;
  if (sendString(child.socket, request) && receiveOutcome(child.socket, outcome)) return outcome;
  return {endChild(child), ""};
}

// The helper's loop: each request is run in its child and the outcome sent back; with one child per job the
// child then ends. It ends when the caller's end closes.
[[noreturn]] void serve(int socket, const ForkServer::Job& job, ForkServer::Children children) {
  Child child;
  for (std::string request; receiveString(socket, request);) {
    const ForkServer::Outcome outcome = runInChild(child, socket, request, job);
    if (child.pid > 0 && children == ForkServer::Children::OnePerJob) endChild(child);
    if (!sendOutcome(socket, outcome)) break;
  }
  if (child.pid > 0) endChild(child);
  _exit(0);
}

}  // namespace

ForkServer::ForkServer(Job job, Children children) : job_(std::move(job)), children_(children) {
  start();
}

ForkServer::~ForkServer() {
  stop();
}

void ForkServer::start() {
  int ends[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) != 0)
    fail("cannot start a helper process: {}", std::strerror(errno));
  const pid_t pid = fork();
  if (pid < 0) {
    close(ends[0]);
    close(ends[1]);
    fail("cannot start a helper process: {}", std::strerror(errno));
  }
  if (pid == 0) {
    close(ends[0]);
    serve(ends[1], job_, children_);
  }
  close(ends[1]);
  helper_ = pid;
  socket_ = ends[0];
  owner_ = getpid();
}

void ForkServer::stop() {
  if (socket_ >= 0) close(socket_);
  if (helper_ > 0) waitpid(helper_, nullptr, 0);
  socket_ = -1;
  helper_ = -1;
}

bool ForkServer::exchange(const std::string& request, Outcome& outcome) const {
  return sendString(socket_, request) && receiveOutcome(socket_, outcome);
}

ForkServer::Outcome ForkServer::run(const std::string& request) {
  const std::lock_guard<std::mutex> lock(mutex_);
  if (owner_ != getpid()) {  // a forked copy of the owner: the helper and its socket are the owner's
    close(socket_);
    start();
  }
  Outcome outcome;
  if (!exchange(request, outcome)) {
    stop();
    start();
    if (!exchange(request, outcome)) fail("the helper process that runs jobs in children ended unexpectedly");
  }
  if (outcome.status == kNoChild) fail("the helper process cannot start a child: out of processes or memory");
  return outcome;
}

}  // namespace kiln
