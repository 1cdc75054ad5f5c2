// A helper process that runs each request's job in a throwaway child of its own and reports how it ended:
// for work that may crash the process on bad input and needs nothing from the caller but a string (LibTorch's
// load of a .pt, frontend/torchscript_importer.cpp).
//
// Why not fork the caller per job (ir/forked_jobs.h): fork copies the caller's page tables, and afterwards
// every page the caller writes faults once to be copied or reclaimed. A grown caller pays that per job: the
// TorchScript fuzzer, at ~400 MB, spent about 40 % of its time in those kernel paths. The helper is forked
// once, while the caller is still small, and stays small, so its forks stay cheap.
#pragma once

#include <sys/types.h>

#include <functional>
#include <mutex>
#include <string>

namespace kiln {

class ForkServer {
 public:
  using Job = std::function<void(const std::string&)>;

  // How long a child of the helper lives. By default it runs one job, so each job starts from the state the
  // helper was forked in. A child that runs jobs until one crashes it saves a fork and the page faults of a
  // fresh process per job (the TorchScript fuzzer ran 3 times as many executions), but a job then sees what
  // earlier ones left, a corrupted heap included, which a crash later, or none, may report.
  enum class Children { OnePerJob, ReusedUntilOneDies };

  // How a job ended: `status` is its child's wait status (as waitpid gives it; a reused child that lives on
  // reports 0), an exit with 1 when the job threw, and then `error` is what the exception said: a job can
  // check what the caller must not touch itself and hand back the words of its refusal.
  struct Outcome {
    int status = 0;
    std::string error;
  };

  // `job` runs in a child with each request; an exception it throws is reported as the child's exit with
  // status 1 (a reused child lives on).
  explicit ForkServer(Job job, Children children = Children::OnePerJob);
  ~ForkServer();  // the helper sees its socket close, exits, and is reaped
  ForkServer(const ForkServer&) = delete;
  ForkServer& operator=(const ForkServer&) = delete;

  // Runs the job on `request` in a child of the helper and says how it ended. A helper that has died is
  // replaced once (forked from the caller as it is now). Thread-safe: one job at a time; a forked copy of the
  // caller starts a helper of its own. Throws kiln::Error when no helper can be started or reached.
  Outcome run(const std::string& request);

 private:
  void start();
  void stop();
  bool exchange(const std::string& request, Outcome& outcome) const;

  Job job_;
  Children children_;
  std::mutex mutex_;
  pid_t helper_ = -1;
  int socket_ = -1;
  pid_t owner_ = -1;  // the process that started the helper
};

}  // namespace kiln
