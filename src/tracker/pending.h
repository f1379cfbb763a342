// Exchanges a calling thread hands over to be recorded off its path (Tracker::record_soon): one
// producer (the shard's owner) and one consumer at a time (Tracker::drain_pending, under its
// mutex). Recording a chat completion cold, right after a request, costs the calling thread
// ~30 µs of cache misses against ~4 µs warm (docs/tracker.md, "Tenth pass"); copying it here
// touches the bytes it already holds and one ring. The ring is allocated at its first use.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include <quotaguard/tracker.hpp>

namespace qg::tracker {

class PendingExchanges {
 public:
  static constexpr std::size_t kBytes = 256 * 1024;
  static constexpr std::size_t kMaxEntry = 32 * 1024;  // larger exchanges are recorded at once

  // Producer: copies x (its views and numbers; not response_usage) into the ring, with the
  // tracker's time now (ts_ms: the history dates it then, not when it is drained). False when it
  // does not fit: the caller records it itself.
  bool push(const quotaguard::Exchange& x, int64_t ts_ms);
  // Consumer: calls f(x) for each exchange pushed, oldest first, x's views into the ring.
  template <class F>
  void drain(F&& f) {
    uint64_t tail = tail_.load(std::memory_order_relaxed);
    const uint64_t head = head_.load(std::memory_order_acquire);
    while (tail != head) {
      quotaguard::Exchange x;
      tail = read(tail, x);
      f(static_cast<const quotaguard::Exchange&>(x));
      tail_.store(tail, std::memory_order_release);
    }
  }
  bool empty() const { return head_.load(std::memory_order_acquire) == tail_.load(std::memory_order_acquire); }

 private:
  uint64_t read(uint64_t at, quotaguard::Exchange& x) const;  // returns where the next starts

  std::unique_ptr<char[]> ring_;
  alignas(64) std::atomic<uint64_t> head_{0};  // bytes written, ever (producer)
  alignas(64) std::atomic<uint64_t> tail_{0};  // bytes consumed, ever (consumer)
};

}  // namespace qg::tracker
