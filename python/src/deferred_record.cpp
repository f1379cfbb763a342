#include "deferred_record.h"

#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <thread>

namespace quotaguard::pyconv {

namespace {

constexpr uint64_t kSlots = 128;     // exchanges queued at most; then the caller records in place
constexpr std::size_t kKeep = 5;     // objects an exchange's views point into
constexpr std::size_t kText = 512;   // room for its copied header values

struct Slot {
  Tracker* tracker = nullptr;
  Exchange x;
  PyObject* keep[kKeep] = {};
  std::size_t kept = 0;
  char text[kText];
};

struct Queue {
  Slot slots[kSlots];
  alignas(64) std::atomic<uint64_t> head{0};      // next slot to fill (producers, under the GIL)
  alignas(64) std::atomic<uint64_t> tail{0};      // next slot to record (the recorder)
  alignas(64) std::atomic<uint32_t> sleeping{0};  // 1: the recorder waits on it (futex)
  uint64_t released = 0;                          // next slot whose objects to release (GIL)
  bool running = false;                           // the recorder thread exists in this process
  std::atomic<bool> stopped{false};
  std::atomic<uint64_t> queued{0}, in_place{0}, failures{0};
};

// Never destroyed: the detached recorder thread may still sleep on it while statics go away.
Queue& q = *new Queue;

void futex_wait(std::atomic<uint32_t>& word, uint32_t expected) {
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(&word), FUTEX_WAIT_PRIVATE, expected, nullptr, nullptr, 0);
}
void futex_wake(std::atomic<uint32_t>& word) {
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(&word), FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
}

void record_queued() {
  uint64_t t = q.tail.load(std::memory_order_relaxed);
  for (;;) {
    while (t != q.head.load(std::memory_order_acquire)) {
      Slot& s = q.slots[t % kSlots];
      try {
        s.tracker->record_exchange(s.x);
      } catch (...) {
        q.failures.fetch_add(1, std::memory_order_relaxed);
      }
      q.tail.store(++t, std::memory_order_release);
    }
    // Sleep unless a producer published meanwhile (it clears `sleeping` and wakes us after
    // publishing: seq_cst on both sides, so one of us sees the other).
    q.sleeping.store(1, std::memory_order_seq_cst);
    if (t != q.head.load(std::memory_order_seq_cst)) {
      q.sleeping.store(0, std::memory_order_relaxed);
      continue;
    }
    futex_wait(q.sleeping, 1);
  }
}

// Before a fork: the recorder idle, so the child inherits no half-made record. In the child no
// recorder runs (threads are not copied); the next exchange starts one.
void wait_until_recorded() {
  const uint64_t h = q.head.load(std::memory_order_acquire);
  for (int spins = 0; q.tail.load(std::memory_order_acquire) != h; ++spins)
    if (spins > 64) sched_yield();
}
void in_child() {
  q.running = false;
  q.sleeping.store(0, std::memory_order_relaxed);
}

bool start_recorder() {
  static const bool hooked = pthread_atfork(wait_until_recorded, nullptr, in_child) == 0;
  if (!hooked) return false;
  try {
    std::thread(record_queued).detach();
  } catch (const std::system_error&) {
    return false;
  }
  q.running = true;
  return true;
}

// Under the GIL: drops the references of the exchanges already recorded.
void release_recorded() {
  const uint64_t t = q.tail.load(std::memory_order_acquire);
  for (; q.released != t; ++q.released) {
    Slot& s = q.slots[q.released % kSlots];
    for (std::size_t i = 0; i < s.kept; ++i) Py_DECREF(s.keep[i]);
    s.kept = 0;
  }
}

// Copies v into the slot's text after `used` bytes; false when it does not fit.
bool copy_into(Slot& s, std::size_t& used, std::string_view& v) {
  if (v.size() > kText - used) return false;
  if (!v.empty()) std::memcpy(s.text + used, v.data(), v.size());
  v = {s.text + used, v.size()};
  used += v.size();
  return true;
}

}  // namespace

bool defer_record(Tracker& t, const Exchange& x, std::span<PyObject* const> keep) {
  if (keep.size() > kKeep || q.stopped.load(std::memory_order_relaxed)) return false;
  release_recorded();
  const uint64_t h = q.head.load(std::memory_order_relaxed);
  if (h - q.released >= kSlots || (!q.running && !start_recorder())) {
    q.in_place.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  Slot& s = q.slots[h % kSlots];
  s.x = x;
  std::size_t used = 0;
  if (!copy_into(s, used, s.x.request_content_type) || !copy_into(s, used, s.x.response_content_type) ||
      !copy_into(s, used, s.x.api_key)) {
    q.in_place.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  s.tracker = &t;
  for (PyObject* o : keep) s.keep[s.kept++] = Py_NewRef(o);
  q.queued.fetch_add(1, std::memory_order_relaxed);
  q.head.store(h + 1, std::memory_order_seq_cst);
  if (q.sleeping.load(std::memory_order_seq_cst) && q.sleeping.exchange(0, std::memory_order_seq_cst))
    futex_wake(q.sleeping);
  return true;
}

void drain_deferred() {
  if (q.tail.load(std::memory_order_acquire) != q.head.load(std::memory_order_acquire)) wait_until_recorded();
  if (PyGILState_Check()) release_recorded();
}

void stop_deferring() {
  q.stopped.store(true, std::memory_order_relaxed);
  drain_deferred();
}

void resume_deferring() { q.stopped.store(false, std::memory_order_relaxed); }

DeferredStats deferred_stats() {
  return {q.queued.load(std::memory_order_relaxed), q.in_place.load(std::memory_order_relaxed),
          q.failures.load(std::memory_order_relaxed)};
}

}  // namespace quotaguard::pyconv
