// The runtime's thread pool: every iteration of a loop runs once, each thread its fixed contiguous share in
// proportion (the same thread for the same share in every loop), nested loops run serially, a failing
// iteration's status comes back, and a pool made and dropped at once does not hang.
#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "runtime/error.h"
#include "runtime/thread_pool.h"

namespace kiln::runtime {
namespace {

// What each iteration saw: the thread that ran it.
struct Record {
  std::mutex mutex;
  std::map<int, std::thread::id> thread_of;
  std::map<int, int> runs;
};

int recordIteration(void*, int i, uint8_t* closure) {
  auto* record = reinterpret_cast<Record*>(closure);
  std::lock_guard lock(record->mutex);
  record->thread_of[i] = std::this_thread::get_id();
  ++record->runs[i];
  return 0;
}

void runLoop(ThreadPool& pool, int min, int size, Record& record) {
  EXPECT_EQ(pool.parallelFor(nullptr, recordIteration, min, size, reinterpret_cast<uint8_t*>(&record)), 0);
}

TEST(ThreadPool, EachThreadRunsItsProportionalShareOnce) {
  for (int threads : {1, 2, 3, 4}) {
    ThreadPool pool(threads);
    for (int size : {0, 1, 2, 3, 7, 112}) {
      Record first, second;
      runLoop(pool, 5, size, first);
      runLoop(pool, 5, size, second);
      ASSERT_EQ(first.runs.size(), static_cast<size_t>(size)) << threads << " threads, " << size;
      for (const auto& [i, runs] : first.runs) EXPECT_EQ(runs, 1) << "iteration " << i;
      // Share t is [size*t/T, size*(t+1)/T): one thread within a share, the same one in every loop.
      for (int t = 0; t < threads; ++t)
        for (int i = size * t / threads; i < size * (t + 1) / threads; ++i) {
          EXPECT_EQ(first.thread_of.at(5 + i), first.thread_of.at(5 + size * t / threads));
          EXPECT_EQ(first.thread_of.at(5 + i), second.thread_of.at(5 + i));
        }
      if (size >= threads && threads > 1) {  // distinct shares ran on distinct threads
        EXPECT_NE(first.thread_of.at(5), first.thread_of.at(5 + size - 1));
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
  {
    ScopedPool current(pool);
    EXPECT_EQ(doParFor(nullptr, recordIteration, 0, 6, reinterpret_cast<uint8_t*>(&pooled)), 0);
  }
  EXPECT_EQ(pooled.runs.size(), 6u);
  EXPECT_NE(pooled.thread_of.at(5), std::this_thread::get_id());
}

TEST(ThreadPool, MadeAndDroppedAtOnceDoesNotHang) {
  for (int i = 0; i < 200; ++i) ThreadPool pool(3);
}

TEST(ThreadPool, RefusesANegativeThreadCount) {
  EXPECT_THROW(ThreadPool(-1), Error);
}

}  // namespace
}  // namespace kiln::runtime
