// Work distribution over a fixed number of threads: one shared atomic cursor, no queue.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

namespace qg {

inline unsigned default_jobs() { return std::max(1u, std::thread::hardware_concurrency()); }

// Calls fn(i) for every i in [0, n) on up to `jobs` threads (the caller's thread is one of them).
template <class Fn>
void parallel_for(std::size_t n, unsigned jobs, Fn&& fn) {
  jobs = static_cast<unsigned>(std::min<std::size_t>(std::max(1u, jobs), n));
  if (jobs <= 1) {
    for (std::size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i; (i = next.fetch_add(1, std::memory_order_relaxed)) < n;) fn(i);
  };
  std::vector<std::thread> threads;
  threads.reserve(jobs - 1);
  for (unsigned t = 1; t < jobs; ++t) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
}

// Like parallel_for, with per-thread state: `init()` runs once on each worker and fn(state, i)
// gets that worker's state (e.g. an evaluator with its own memo tables).
template <class Init, class Fn>
void parallel_for_with(std::size_t n, unsigned jobs, Init&& init, Fn&& fn) {
  jobs = static_cast<unsigned>(std::min<std::size_t>(std::max(1u, jobs), std::max<std::size_t>(n, 1)));
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    auto state = init();
    for (std::size_t i; (i = next.fetch_add(1, std::memory_order_relaxed)) < n;) fn(state, i);
  };
  std::vector<std::thread> threads;
  for (unsigned t = 1; t < jobs; ++t) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
}

}  // namespace qg
