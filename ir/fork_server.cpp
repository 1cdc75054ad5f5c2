#include "ir/fork_server.h"

#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
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

// A request is its length and that many bytes.
bool sendRequest(int socket, const std::string& request) {
  const uint64_t length = request.size();
  return sendAll(socket, &length, sizeof length) && sendAll(socket, request.data(), request.size());
}

bool receiveRequest(int socket, std::string& request) {
  uint64_t length = 0;
  if (!receiveAll(socket, &length, sizeof length)) return false;
  request.assign(length, '\0');
  return receiveAll(socket, request.data(), length);
}

// A child's loop: a reply per request, 0, or the wait status of a child that exited with 1 when the job
// threw. It ends when the helper closes its end, with _exit, so that nothing of the caller's (atexit
// handlers, static destructors) runs here.
[[noreturn]] void work(int socket, const ForkServer::Job& job) {
  for (std::string request; receiveRequest(socket, request);) {
    int status = 0;
    try {
      job(request);
    } catch (...) {
      status = W_EXITCODE(1, 0);
    }
    if (!sendAll(socket, &status, sizeof status)) break;
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

// `request` run by `child`, started if none runs: its reply, or the wait status of a child that died on it.
int runInChild(Child& child, int helper_socket, const std::string& request, const ForkServer::Job& job) {
  if (child.pid < 0) child = startChild(helper_socket, job);
  if (child.pid < 0) return kNoChild;
  int status = 0;
  if (sendRequest(child.socket, request) && receiveAll(child.socket, &status, sizeof status)) return status;
  return endChild(child);
}

// The helper's loop: each request is run in its child and the status sent back; with one child per job the
// child then ends. It ends when the caller's end closes.
[[noreturn]] void serve(int socket, const ForkServer::Job& job, ForkServer::Children children) {
  Child child;
  for (std::string request; receiveRequest(socket, request);) {
    const int status = runInChild(child, socket, request, job);
    if (child.pid > 0 && children == ForkServer::Children::OnePerJob) endChild(child);
    if (!sendAll(socket, &status, sizeof status)) break;
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

bool ForkServer::exchange(const std::string& request, int& status) const {
  return sendRequest(socket_, request) && receiveAll(socket_, &status, sizeof status);
}

int ForkServer::run(const std::string& request) {
  const std::lock_guard<std::mutex> lock(mutex_);
  if (owner_ != getpid()) {  // a forked copy of the owner: the helper and its socket are the owner's
    close(socket_);
    start();
  }
  int status = 0;
  if (!exchange(request, status)) {
    stop();
    start();
    if (!exchange(request, status)) fail("the helper process that runs jobs in children ended unexpectedly");
  }
  if (status == kNoChild) fail("the helper process cannot start a child: out of processes or memory");
  return status;
}

}  // namespace kiln
