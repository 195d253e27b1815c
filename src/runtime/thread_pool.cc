#include "src/runtime/thread_pool.h"

#include <algorithm>
#include <atomic>
#include <memory>

namespace tfckpt::internal {

ThreadPool::ThreadPool(int num_threads) {
  for (int i = 0; i < std::max(1, num_threads); ++i) {
    workers_.emplace_back([this] { WorkerLoop(); });
  }
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void ThreadPool::Schedule(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(std::move(fn));
  }
  cv_.notify_one();
}

void ThreadPool::WorkerLoop() {
  for (;;) {
    std::function<void()> fn;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      fn = std::move(queue_.front());
      queue_.pop_front();
    }
    fn();
  }
}

void ThreadPool::ParallelFor(int64_t n, int64_t min_block,
                             const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  const int64_t max_blocks = std::max<int64_t>(1, n / std::max<int64_t>(1, min_block));
  const int64_t blocks = std::min<int64_t>(max_blocks, num_threads() + 1);
  if (blocks <= 1) {
    fn(0, n);
    return;
  }
  const int64_t step = (n + blocks - 1) / blocks;
  // Blocks are claimed from a shared counter by the helpers and the caller,
  // so the caller finishes the work itself when every worker is busy.
  struct Shared {
    std::atomic<int64_t> next{0};
    std::atomic<int64_t> done{0};
    std::mutex mu;
    std::condition_variable cv;
  };
  auto shared = std::make_shared<Shared>();
  auto work = [shared, blocks, step, n, &fn] {
    for (;;) {
      const int64_t b = shared->next.fetch_add(1);
      if (b >= blocks) return;
      fn(b * step, std::min(n, (b + 1) * step));
      if (shared->done.fetch_add(1) + 1 == blocks) {
        std::lock_guard<std::mutex> lock(shared->mu);
        shared->cv.notify_all();
      }
    }
  };
  for (int64_t i = 1; i < blocks; ++i) Schedule(work);
  work();
  std::unique_lock<std::mutex> lock(shared->mu);
  shared->cv.wait(lock, [&] { return shared->done.load() == blocks; });
}

}  // namespace tfckpt::internal
