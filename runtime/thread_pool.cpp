#include "runtime/thread_pool.h"

#include <optional>

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

// The iterations of one thread's share not yet taken, [next, end) as offsets from the loop's min, in one
// word: the owner takes from the front, other threads from the back.
class Share {
 public:
  void assign(uint32_t begin, uint32_t end) { range_.store(pack(begin, end), std::memory_order_relaxed); }

  std::optional<uint32_t> takeFront() {
    uint64_t range = range_.load(std::memory_order_relaxed);
    while (next(range) < end(range))
      if (range_.compare_exchange_weak(range, pack(next(range) + 1, end(range)), std::memory_order_relaxed))
        return next(range);
    return std::nullopt;
  }

  std::optional<uint32_t> takeBack() {
    uint64_t range = range_.load(std::memory_order_relaxed);
    while (next(range) < end(range))
      if (range_.compare_exchange_weak(range, pack(next(range), end(range) - 1), std::memory_order_relaxed))
        return end(range) - 1;
    return std::nullopt;
  }

 private:
  static uint64_t pack(uint32_t next, uint32_t end) { return uint64_t{end} << 32 | next; }
  static uint32_t next(uint64_t range) { return static_cast<uint32_t>(range); }
  static uint32_t end(uint64_t range) { return static_cast<uint32_t>(range >> 32); }

  alignas(64) std::atomic<uint64_t> range_{0};
};

}  // namespace

// One parallelFor's loop, on the caller's stack; `joined` counts the workers inside it.
struct ThreadPool::Loop {
  void* user_context;
  LoopTask task;
  int min;
  uint8_t* closure;
  std::vector<Share> shares;
  std::atomic<int> status{0};
  std::atomic<int> joined{0};

  // Runs share `thread`, then what is left of the others, from their far ends.
  void run(int thread) {
    in_share = true;
    const int threads = static_cast<int>(shares.size());
    for (int k = 0; k < threads; ++k) {
      Share& share = shares[(thread + k) % threads];
      for (;;) {
        const std::optional<uint32_t> i = k == 0 ? share.takeFront() : share.takeBack();
        if (!i) break;
        if (int failed = task(user_context, min + static_cast<int>(*i), closure)) {
          int none = 0;
          status.compare_exchange_strong(none, failed, std::memory_order_relaxed);
        }
      }
    }
    in_share = false;
  }
};

ThreadPool::ThreadPool(int threads)
    : threads_(threads > 0 ? threads : std::max(1, static_cast<int>(std::thread::hardware_concurrency()))) {
  if (threads < 0)
    throw Error("thread count must be 0 (one per core) or more, got " + std::to_string(threads));
  for (int t = 1; t < threads_; ++t) workers_.emplace_back([this, t] { work(t); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard lock(mutex_);
    stopping_.store(true, std::memory_order_release);
    generation_.fetch_add(1, std::memory_order_release);
  }
  wake_.notify_all();
  for (std::thread& worker : workers_) worker.join();
}

int ThreadPool::parallelFor(void* user_context, LoopTask task, int min, int size, uint8_t* closure) {
  if (threads_ == 1 || size <= 1 || in_share) return runSerially(user_context, task, min, size, closure);
  Loop loop{user_context, task, min, closure, std::vector<Share>(threads_)};
  for (int t = 0; t < threads_; ++t)
    loop.shares[t].assign(static_cast<uint32_t>(int64_t{size} * t / threads_),
                          static_cast<uint32_t>(int64_t{size} * (t + 1) / threads_));
  {
    std::lock_guard lock(mutex_);
    loop_ = &loop;
    generation_.fetch_add(1, std::memory_order_release);
  }
  wake_.notify_all();
  loop.run(0);
  {
    std::lock_guard lock(mutex_);
    loop_ = nullptr;  // every iteration is taken: no worker joins any more
  }
  for (int spins = 0; loop.joined.load(std::memory_order_acquire) > 0; ++spins) {
    if (spins < kSpinsBeforeSleep)
      cpuRelax();
    else
      std::this_thread::yield();
  }
  return loop.status.load(std::memory_order_relaxed);
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
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return generation_.load(std::memory_order_acquire) != seen; });
      continue;
    }
    seen = now;
    if (stopping_.load(std::memory_order_acquire)) return;
    Loop* loop = nullptr;
    {
      std::lock_guard lock(mutex_);
      loop = loop_;
      if (loop) loop->joined.fetch_add(1, std::memory_order_relaxed);
    }
    if (!loop) continue;
    loop->run(thread);
    loop->joined.fetch_sub(1, std::memory_order_release);  // the last touch: the loop may end now
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
