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

// The helper's loop: a request is a length and that many bytes, a reply the child's wait status. It ends when
// the caller's end closes, with _exit, so that nothing of the caller's (atexit handlers, static destructors)
// runs here.
[[noreturn]] void serve(int socket, const std::function<void(const std::string&)>& job) {
  for (;;) {
    uint64_t length = 0;
    if (!receiveAll(socket, &length, sizeof length)) _exit(0);
    std::string request(length, '\0');
    if (!receiveAll(socket, request.data(), length)) _exit(0);
    const pid_t child = fork();
    if (child == 0) {
      close(socket);
      try {
        job(request);
      } catch (...) {
        _exit(1);
      }
      _exit(0);
    }
    int status = kNoChild;
    if (child > 0) waitpid(child, &status, 0);
    if (!sendAll(socket, &status, sizeof status)) _exit(0);
  }
}

}  // namespace

ForkServer::ForkServer(std::function<void(const std::string&)> job) : job_(std::move(job)) {
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
    serve(ends[1], job_);
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
  const uint64_t length = request.size();
  return sendAll(socket_, &length, sizeof length) && sendAll(socket_, request.data(), request.size()) &&
         receiveAll(socket_, &status, sizeof status);
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
