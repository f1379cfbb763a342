// A background thread that calls `tick` every `interval` until stopped: the reconciler's polls,
// the OTLP pushes. Stopping wakes it at once (no wait for the interval to end).
#pragma once
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace qg::serve {

class Periodic {
 public:
  struct When {
    bool at_start = false;  // a tick as soon as it starts
    bool at_stop = false;   // a last tick on the way out
  };
  Periodic(std::chrono::milliseconds interval, std::function<void()> tick, When when)
      : interval_(interval), tick_(std::move(tick)), when_(when) {}
  ~Periodic() { stop(); }
  Periodic(const Periodic&) = delete;
  Periodic& operator=(const Periodic&) = delete;

  void start() {
    thread_ = std::thread([this] {
      std::unique_lock lock(mu_);
      for (bool first = true; !stopping_; first = false) {
        if (!(first && when_.at_start)) cv_.wait_for(lock, interval_, [this] { return stopping_; });
        if (stopping_ && !when_.at_stop) break;
        lock.unlock();
        tick_();
        lock.lock();
      }
    });
  }

  void stop() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  const std::chrono::milliseconds interval_;
  const std::function<void()> tick_;
  const When when_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace qg::serve
