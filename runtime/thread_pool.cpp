#include "runtime/thread_pool.h"

#include "runtime/error.h"

namespace kiln::runtime {
namespace {

thread_local ThreadPool* current_pool = nullptr;
// Set while this thread runs a share of a loop: a loop nested in it runs serially.
thread_local bool in_share = false;

// A worker waits this many pauses for the next loop before it sleeps (tens of microseconds: a model's next
// block starts sooner than that, and a woken thread costs more).
constexpr int kSpinsBeforeSleep = 2000;

void cpuRelax() {
#if defined(__x86_64__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

int runSerially(void* user_context, LoopTask task, int min, int size, uint8_t* closure) {
  for (int i = min; i < min + size; ++i)
    if (int status = task(user_context, i, closure)) return status;
  return 0;
}

}  // namespace

ThreadPool::ThreadPool(int threads)
    : threads_(threads > 0 ? threads : std::max(1, static_cast<int>(std::thread::hardware_concurrency()))) {
  if (threads < 0)
    throw Error("thread count must be 0 (one per core) or more, got " + std::to_string(threads));
  for (int t = 1; t < threads_; ++t) workers_.emplace_back([this, t] { work(t); });
}

ThreadPool::~ThreadPool() {
  stopping_.store(true, std::memory_order_release);
  generation_.fetch_add(1, std::memory_order_release);
  generation_.notify_all();
  for (std::thread& worker : workers_) worker.join();
}

int ThreadPool::runShare(int thread) {
  const Loop& loop = loop_;
  const int begin = loop.min + static_cast<int>(int64_t{loop.size} * thread / threads_);
  const int end = loop.min + static_cast<int>(int64_t{loop.size} * (thread + 1) / threads_);
  in_share = true;
  const int status = runSerially(loop.user_context, loop.task, begin, end - begin, loop.closure);
  in_share = false;
  return status;
}

int ThreadPool::parallelFor(void* user_context, LoopTask task, int min, int size, uint8_t* closure) {
  if (threads_ == 1 || size <= 1 || in_share) return runSerially(user_context, task, min, size, closure);
  loop_ = Loop{user_context, task, min, size, closure};
  status_.store(0, std::memory_order_relaxed);
  pending_.store(threads_ - 1, std::memory_order_relaxed);
  generation_.fetch_add(1, std::memory_order_release);
  generation_.notify_all();
  int status = runShare(0);
  for (int spins = 0; pending_.load(std::memory_order_acquire) > 0; ++spins) {
    if (spins < kSpinsBeforeSleep)
      cpuRelax();
    else
      std::this_thread::yield();
  }
  if (status == 0) status = status_.load(std::memory_order_relaxed);
  return status;
}

void ThreadPool::work(int thread) {
  uint32_t seen = 0;  // the generation the pool was made with: a worker may start after the first loop
  for (;;) {
    uint32_t now = generation_.load(std::memory_order_acquire);
    for (int spins = 0; now == seen && spins < kSpinsBeforeSleep; ++spins) {
      cpuRelax();
      now = generation_.load(std::memory_order_acquire);
    }
    if (now == seen) {
      generation_.wait(seen, std::memory_order_acquire);
      continue;
    }
    seen = now;
    if (stopping_.load(std::memory_order_acquire)) return;
    if (int status = runShare(thread)) {
      int none = 0;
      status_.compare_exchange_strong(none, status, std::memory_order_relaxed);
    }
    pending_.fetch_sub(1, std::memory_order_acq_rel);
  }
}

int doParFor(void* user_context, LoopTask task, int min, int size, uint8_t* closure) {
  if (!current_pool) return runSerially(user_context, task, min, size, closure);
  return current_pool->parallelFor(user_context, task, min, size, closure);
}

ScopedPool::ScopedPool(ThreadPool& pool) : previous_(current_pool) {
  current_pool = &pool;
}

ScopedPool::~ScopedPool() {
  current_pool = previous_;
}

}  // namespace kiln::runtime
