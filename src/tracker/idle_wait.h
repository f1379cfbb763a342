// Where the evaluation thread sleeps while no call arrives: until its next tick, or until a
// recording thread wakes it with the first call after the quiet spell. The recording side costs
// one load while the thread is awake (nearly always under traffic) and one futex wake per quiet
// spell otherwise; it never takes a lock.
#pragma once
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>

#ifdef __linux__
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <ctime>
#endif

namespace qg::tracker {

class IdleWait {
 public:
  // The sleeper: announces itself, then sleeps unless `pending()` (read after the announcement,
  // so a wake() that raced it is never lost: see wake()).
  template <class Pending>
  void sleep_unless(Pending pending, std::chrono::milliseconds at_most) {
    sleeping_.store(1, std::memory_order_seq_cst);
    if (!pending()) wait(at_most);
    sleeping_.store(0, std::memory_order_relaxed);
  }

  // Any thread, after making `pending()` true with a seq_cst store: either the sleeper's check
  // sees that store, or this load sees the sleeper's announcement and wakes it (Dekker).
  void wake() {
    if (sleeping_.load(std::memory_order_seq_cst) == 0 || sleeping_.exchange(0) == 0) return;
#ifdef __linux__
    syscall(SYS_futex, reinterpret_cast<uint32_t*>(&sleeping_), FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
#endif
  }

 private:
  void wait(std::chrono::milliseconds at_most) {
#ifdef __linux__
    // Returns at once if a waker already cleared the word; a spurious return only means an
    // early look at the clock.
    const timespec ts{static_cast<time_t>(at_most.count() / 1000), static_cast<long>(at_most.count() % 1000) * 1000000};
    syscall(SYS_futex, reinterpret_cast<uint32_t*>(&sleeping_), FUTEX_WAIT_PRIVATE, 1, &ts, nullptr, 0);
#else
    std::this_thread::sleep_for(std::min(at_most, std::chrono::milliseconds(2)));  // (no futex: poll)
#endif
  }

  alignas(64) std::atomic<uint32_t> sleeping_{0};
};

}  // namespace qg::tracker
