// The wall clock the tracker reads for every calendar decision (budget periods, history
// minutes, forecasts, alert times). Given to the tracker so that tests can pin any instant
// (one minute before midnight, a month end, a leap day) instead of depending on when they run.
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>

namespace quotaguard {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t now_ms() const = 0;  // Unix milliseconds, UTC
};

// std::chrono::system_clock.
class SystemClock final : public Clock {
 public:
  int64_t now_ms() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch()).count();
  }
};

// Starts at a given instant and runs at the speed of the steady clock: a whole process (or a
// test) placed at a chosen time of day, with sleeps and timeouts still working.
class OffsetClock final : public Clock {
 public:
  explicit OffsetClock(int64_t start_ms) : start_ms_(start_ms), origin_(std::chrono::steady_clock::now()) {}
  int64_t now_ms() const override {
    return start_ms_ + std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::steady_clock::now() - origin_).count();
  }

 private:
  int64_t start_ms_;
  std::chrono::steady_clock::time_point origin_;
};

// Moves only when told to: exact, repeatable instants for unit tests.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t start_ms) : ms_(start_ms) {}
  int64_t now_ms() const override { return ms_.load(std::memory_order_relaxed); }
  void set(int64_t ms) { ms_.store(ms, std::memory_order_relaxed); }
  void advance(int64_t ms) { ms_.fetch_add(ms, std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> ms_;
};

}  // namespace quotaguard
