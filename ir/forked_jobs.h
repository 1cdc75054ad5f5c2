// Runs jobs in forked child processes, a few at a time, from the calling thread: what might crash the
// process on bad input (LibTorch's loader, see frontend/torchscript_importer.cpp) and Halide compiles.
//
// Why processes for compiles: Halide names what it generates (closures, loop variables, temporaries) from
// process-wide counters. Threads compiling blocks side by side took numbers in whatever order they ran, so
// two parallel compiles of one model gave different objects. A child forked from the parent starts from the
// parent's counters, and when the parent did its Halide work on one thread before forking, every child
// numbers from the same point in every compile: the artifact is byte-identical at any -j. And a crash or
// abort inside libHalide or LLVM ends a child, not kiln; it becomes an error naming the job.
//
// The parent must run no Halide code on another thread while jobs start: a child inherits only the forking
// thread, and with it any lock another thread held.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace kiln {

struct ForkedJob {
  std::string name;                   // for messages: "block 3 (conv2d+relu)"
  std::function<void()> work;         // runs in the child; an exception fails the job with its message
  std::function<void()> on_finished;  // runs in the parent after the job succeeded (may be empty)
};

// How a child that failed without a message ended: "it crashed (signal 11, Segmentation fault)", "it exited
// with status 1" (what AddressSanitizer does after a report).
std::string abnormalEnd(int wait_status);

// Runs every job, `parallel` at a time; `scratch` holds each child's error text. Throws kiln::Error for the
// first job that failed, threw or died (after the running ones end): "<name> failed to <task>: <why>".
void runForked(const std::vector<ForkedJob>& jobs, int parallel, const std::filesystem::path& scratch,
               const std::string& task);

}  // namespace kiln
