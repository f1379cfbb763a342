// Bounded lock-free MPMC queue (Vyukov): fixed storage, no allocation after construction.
// A full queue refuses the push; the caller counts the drop instead of waiting.
//
// Kept instead of moodycamel::ConcurrentQueue (Debian's libconcurrentqueue-dev) for two
// semantics the alert path needs and that queue does not give: one FIFO order across producers
// (it keeps a sub-queue per producer and dequeues them in no defined order, so "exhausted" raised
// on one thread and "normal" on another could reach a webhook reversed), and an exact bound (its
// capacity is a hint rounded up to blocks per producer, and try_enqueue past the pre-allocated
// blocks fails or allocates depending on traits). Speed is not the question at alert rates.
#pragma once
#include <atomic>
#include <cstddef>
#include <memory>

namespace qg::tracker {

template <class T>
class MpmcQueue {
 public:
  explicit MpmcQueue(std::size_t capacity_pow2) : mask_(capacity_pow2 - 1), cells_(new Cell[capacity_pow2]) {
    for (std::size_t i = 0; i <= mask_; ++i) cells_[i].seq.store(i, std::memory_order_relaxed);
  }
  bool push(const T& v) {
    std::size_t pos = tail_.load(std::memory_order_relaxed);
    for (;;) {
      Cell& c = cells_[pos & mask_];
      std::size_t seq = c.seq.load(std::memory_order_acquire);
      auto diff = static_cast<std::ptrdiff_t>(seq) - static_cast<std::ptrdiff_t>(pos);
      if (diff == 0) {
        if (tail_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) {
          c.value = v;
          c.seq.store(pos + 1, std::memory_order_release);
          return true;
        }
      } else if (diff < 0) {
        return false;
      } else {
        pos = tail_.load(std::memory_order_relaxed);
      }
    }
  }
  bool pop(T& out) {
    std::size_t pos = head_.load(std::memory_order_relaxed);
    for (;;) {
      Cell& c = cells_[pos & mask_];
      std::size_t seq = c.seq.load(std::memory_order_acquire);
      auto diff = static_cast<std::ptrdiff_t>(seq) - static_cast<std::ptrdiff_t>(pos + 1);
      if (diff == 0) {
        if (head_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) {
          out = c.value;
          c.seq.store(pos + mask_ + 1, std::memory_order_release);
          return true;
        }
      } else if (diff < 0) {
        return false;
      } else {
        pos = head_.load(std::memory_order_relaxed);
      }
    }
  }

 private:
  struct Cell {
    std::atomic<std::size_t> seq;
    T value;
  };
  std::size_t mask_;
  std::unique_ptr<Cell[]> cells_;
  alignas(64) std::atomic<std::size_t> tail_{0};
  alignas(64) std::atomic<std::size_t> head_{0};
};

inline std::size_t round_pow2(std::size_t n) {
  std::size_t p = 16;
  while (p < n && p < (std::size_t{1} << 20)) p <<= 1;
  return p;
}

}  // namespace qg::tracker
