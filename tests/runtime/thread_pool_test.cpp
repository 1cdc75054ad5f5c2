// The runtime's thread pool: every iteration of a loop runs once, each thread starts its fixed contiguous
// share (the same thread for the same share in every loop), nested loops run serially, a failing
// iteration's status comes back, and a pool made and dropped at once does not hang.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "runtime/error.h"
#include "runtime/thread_pool.h"

namespace kiln::runtime {
namespace {

// What each iteration saw: the thread that ran it. With `threads`, every iteration waits (up to 10 s) until
// that many threads have started one, so each thread's first iteration is the front of its own share: none
// can take from another's share before all have joined the loop.
struct Record {
  int threads = 0;
  std::mutex mutex;
  std::condition_variable joined;
  std::map<int, std::thread::id> thread_of;
  std::map<int, int> runs;

  size_t distinctThreads() const {
    std::set<std::thread::id> ids;
    for (const auto& [i, id] : thread_of) ids.insert(id);
    return ids.size();
  }
};

int recordIteration(void*, int i, uint8_t* closure) {
  auto* record = reinterpret_cast<Record*>(closure);
  std::unique_lock lock(record->mutex);
  record->thread_of[i] = std::this_thread::get_id();
  ++record->runs[i];
  record->joined.notify_all();
  if (record->threads > 1)
    record->joined.wait_for(lock, std::chrono::seconds(10), [&] {
      return record->distinctThreads() >= static_cast<size_t>(record->threads);
    });
  return 0;
}

int run(ThreadPool& pool, int min, int size, Record& record) {
  return pool.parallelFor(nullptr, recordIteration, min, size, reinterpret_cast<uint8_t*>(&record));
}

TEST(ThreadPool, EveryIterationRunsOnce) {
  for (int threads : {1, 2, 3, 4})
    for (int size : {0, 1, 2, 3, 7, 112}) {
      ThreadPool pool(threads);
      Record record;
      ASSERT_EQ(run(pool, 5, size, record), 0);
      ASSERT_EQ(record.runs.size(), static_cast<size_t>(size)) << threads << " threads, " << size;
      for (const auto& [i, runs] : record.runs) EXPECT_EQ(runs, 1) << "iteration " << i;
    }
}

// Share t of T is [size*t/T, size*(t+1)/T): its first iteration runs on thread t, the same thread in every
// loop (the caller is thread 0).
TEST(ThreadPool, EachThreadStartsItsOwnShare) {
  for (int threads : {2, 3}) {
    ThreadPool pool(threads);
    std::vector<std::thread::id> owner(threads);
    for (int loop = 0; loop < 3; ++loop) {
      const int size = 12 + loop;
      Record record;
      record.threads = threads;
      ASSERT_EQ(run(pool, 0, size, record), 0);
      ASSERT_EQ(record.distinctThreads(), static_cast<size_t>(threads));
      EXPECT_EQ(record.thread_of.at(0), std::this_thread::get_id());
      for (int t = 1; t < threads; ++t) {
        const std::thread::id first = record.thread_of.at(size * t / threads);
        EXPECT_NE(first, std::this_thread::get_id()) << "share " << t;
        if (loop > 0) {
          EXPECT_EQ(first, owner[t]) << "share " << t << " changed threads";
        }
        owner[t] = first;
      }
    }
  }
}

struct Nested {
  ThreadPool* pool;
  std::atomic<int> serial{0};
};

int innerIteration(void*, int, uint8_t* closure) {
  auto* thread = reinterpret_cast<std::thread::id*>(closure);
  return *thread == std::this_thread::get_id() ? 0 : 1;
}

int outerIteration(void*, int, uint8_t* closure) {
  auto* nested = reinterpret_cast<Nested*>(closure);
  std::thread::id self = std::this_thread::get_id();
  const int status =
      nested->pool->parallelFor(nullptr, innerIteration, 0, 8, reinterpret_cast<uint8_t*>(&self));
  if (status == 0) ++nested->serial;
  return status;
}

TEST(ThreadPool, ALoopInsideAnIterationRunsOnItsThread) {
  ThreadPool pool(2);
  Nested nested{&pool};
  EXPECT_EQ(pool.parallelFor(nullptr, outerIteration, 0, 4, reinterpret_cast<uint8_t*>(&nested)), 0);
  EXPECT_EQ(nested.serial.load(), 4);
}

int failAtSeven(void*, int i, uint8_t*) {
  return i == 7 ? -42 : 0;
}

TEST(ThreadPool, AFailingIterationsStatusComesBack) {
  for (int threads : {1, 2, 3}) {
    ThreadPool pool(threads);
    EXPECT_EQ(pool.parallelFor(nullptr, failAtSeven, 0, 10, nullptr), -42) << threads << " threads";
    EXPECT_EQ(pool.parallelFor(nullptr, failAtSeven, 0, 7, nullptr), 0) << threads << " threads";
  }
}

TEST(ThreadPool, DoParForUsesThePoolMadeCurrentOnThisThread) {
  Record alone;
  EXPECT_EQ(doParFor(nullptr, recordIteration, 0, 6, reinterpret_cast<uint8_t*>(&alone)), 0);
  for (const auto& [i, thread] : alone.thread_of) EXPECT_EQ(thread, std::this_thread::get_id());

  ThreadPool pool(2);
  Record pooled;
  pooled.threads = 2;
  {
    ScopedPool current(pool);
    EXPECT_EQ(doParFor(nullptr, recordIteration, 0, 6, reinterpret_cast<uint8_t*>(&pooled)), 0);
  }
  EXPECT_EQ(pooled.runs.size(), 6u);
  EXPECT_EQ(pooled.distinctThreads(), 2u);
  EXPECT_NE(pooled.thread_of.at(3), std::this_thread::get_id());  // share 1's first
}

TEST(ThreadPool, MadeAndDroppedAtOnceDoesNotHang) {
  for (int i = 0; i < 200; ++i) ThreadPool pool(3);
}

TEST(ThreadPool, RefusesANegativeThreadCount) {
  EXPECT_THROW(ThreadPool(-1), Error);
}

}  // namespace
}  // namespace kiln::runtime
