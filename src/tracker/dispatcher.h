// Alert dispatcher: callers enqueue fixed-size alerts without blocking; one thread writes the
// JSONL sink and runs callbacks, then hands each alert to the routes that want it (alert_route.h:
// webhooks, each with its own thread, queue, retries and dead letters), so a slow or dead endpoint
// delays nothing else. Every drop is counted.
#pragma once
#include <atomic>
#include <cstdio>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "alert.h"
#include "alert_route.h"
#include "mpmc_queue.h"

namespace qg::tracker {

using DispatcherStats = quotaguard::AlertStats;

class Dispatcher {
 public:
  using Callback = std::function<void(const Alert&)>;
  Dispatcher(const std::string& jsonl_path, std::vector<RouteConfig> routes, const std::string& dead_letter_path,
             std::size_t queue);
  // One route: every alert to one webhook, as JSON, with the default retries.
  Dispatcher(const std::string& jsonl_path, const std::string& webhook_url, int webhook_timeout_ms, std::size_t queue);
  ~Dispatcher();
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  bool emit(const Alert& a);  // lock-free, any thread
  int add_callback(Callback cb);
  void remove_callback(int id);
  // Decides, on the dispatcher thread, whether the JSONL and webhook sinks get an alert (one
  // alert per event per fleet); callbacks of this process get every alert. Set before use.
  void set_filter(std::function<bool(const Alert&)> filter) {
    std::lock_guard lock(callbacks_mu_);
    filter_ = std::move(filter);
  }
  void stop();                // drains what is queued, then joins
  DispatcherStats stats() const;

 private:
  void run();
  void deliver(const Alert& a);

  MpmcQueue<Alert> queue_;
  std::atomic<uint32_t> wake_{0};
  std::atomic<bool> stopping_{false};
  std::FILE* jsonl_ = nullptr;
  DeadLetters dead_letters_;
  std::vector<std::unique_ptr<AlertRoute>> routes_;
  mutable std::mutex callbacks_mu_;
  std::vector<std::pair<int, Callback>> callbacks_;
  std::function<bool(const Alert&)> filter_;
  int next_callback_ = 1;
  std::atomic<uint64_t> emitted_{0}, dropped_{0}, delivered_{0};
  std::atomic<uint64_t> last_latency_ns_{0}, max_latency_ns_{0};
  std::atomic<uint64_t> wakeups_{0};
  std::thread thread_;
};

int64_t steady_ns();

}  // namespace qg::tracker
