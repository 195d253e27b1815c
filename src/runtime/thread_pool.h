// ThreadPool: a fixed set of worker threads running queued closures, used
// for inter-op scheduling (ready nodes) and intra-op work (ParallelFor).
//
// Thread safety: Schedule() and ParallelFor() may be called from any thread,
// including the pool's own workers (ParallelFor then also works on the
// calling thread, so it never deadlocks).
#ifndef TFCKPT_SRC_RUNTIME_THREAD_POOL_H_
#define TFCKPT_SRC_RUNTIME_THREAD_POOL_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace tfckpt::internal {

class ThreadPool {
 public:
  // REQUIRES: num_threads >= 1.
  explicit ThreadPool(int num_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int num_threads() const { return static_cast<int>(workers_.size()); }
  void Schedule(std::function<void()> fn);

  // Calls fn(begin, end) on disjoint ranges covering [0, n), splitting only
  // when each range has at least `min_block` items; returns when all ran.
  void ParallelFor(int64_t n, int64_t min_block,
                   const std::function<void(int64_t, int64_t)>& fn);

 private:
  void WorkerLoop();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace tfckpt::internal

#endif  // TFCKPT_SRC_RUNTIME_THREAD_POOL_H_
