// The threads a model's blocks run their parallel loops on. Every thread of the pool (the caller and its
// workers) owns a fixed, contiguous share of each loop, in proportion: of T threads, thread t owns iterations
// [min + size*t/T, min + size*(t+1)/T). Halide's own pool hands each iteration to whichever thread asks
// first, so the rows one block writes and the next block reads land on different cores about half the time
// and cross between the cores' private caches (MobileNetV2's depthwise blocks ran faster on one thread than
// on two so). With owned shares the rows a thread writes are the rows it reads next, also across a stride-2
// block, whose output rows map onto its input rows in the same proportion.
//
// A thread that finishes its share takes iterations from the far end of the others', and the caller never
// waits for a worker that has not joined the loop: on shared cores a descheduled worker would otherwise hold
// up the whole loop for its share.
//
// The pool is installed as the Halide runtime's do_par_for in every artifact's library (Model); a loop runs
// on the pool made current on the calling thread (ScopedPool, for the length of Model::run), and serially
// where there is none or when it is nested inside another loop's iteration.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace kiln::runtime {

// One iteration of a loop: Halide's halide_task_t.
using LoopTask = int (*)(void* user_context, int iteration, uint8_t* closure);

class ThreadPool {
 public:
  // `threads` in all, the caller included; 0 means one per core.
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int threads() const { return threads_; }
  // Runs task(user_context, i, closure) for every i in [min, min + size), thread t its share t; returns the
  // first nonzero status a task returned (0 when all succeeded).
  int parallelFor(void* user_context, LoopTask task, int min, int size, uint8_t* closure);

 private:
  struct Loop;

  void work(int thread);

  int threads_;
  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_;         // where idle workers sleep
  Loop* loop_ = nullptr;                 // the loop workers may join; guarded by mutex_
  std::atomic<uint32_t> generation_{0};  // bumped (under mutex_) for every loop, and to stop
  std::atomic<bool> stopping_{false};
};

// The do_par_for installed in every artifact's Halide runtime.
int doParFor(void* user_context, LoopTask task, int min, int size, uint8_t* closure);

// Makes `pool` the one doParFor uses on this thread while the object lives.
class ScopedPool {
 public:
  explicit ScopedPool(ThreadPool& pool);
  ~ScopedPool();
  ScopedPool(const ScopedPool&) = delete;
  ScopedPool& operator=(const ScopedPool&) = delete;

 private:
  ThreadPool* previous_;
};

}  // namespace kiln::runtime
