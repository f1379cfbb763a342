// Alert routing (docs/tracker.md#alert-routing): each route is a webhook with its own filter
// (workspaces, kinds, least severity), body format (the alert as JSON, or Slack's {"text"}),
// optional HMAC-SHA256 signature, retries with exponential backoff, de-duplication, and its own
// thread and bounded queue, so a slow or dead endpoint delays no other route and no call. What a
// route gives up on goes to the dead-letter file, never silently away.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "alert.h"
#include "mpmc_queue.h"
#include "route_config.h"

namespace httplib {
class Client;
}

namespace qg::tracker {

// Alerts a route gave up on, one JSON line each: {"route", "error", "attempts", "alert"}.
class DeadLetters {
 public:
  explicit DeadLetters(const std::string& path);
  ~DeadLetters();
  DeadLetters(const DeadLetters&) = delete;
  DeadLetters& operator=(const DeadLetters&) = delete;
  bool write(const std::string& route, const std::string& error, int attempts, const Alert& a);  // false: no file

 private:
  std::mutex mu_;
  std::FILE* file_ = nullptr;
};

// failed: queued, then given up on (after its retries, or at shutdown); dropped: the queue was full.
struct RouteStats {
  uint64_t sent = 0, failed = 0, dropped = 0, retries = 0, dead_letters = 0, deduplicated = 0;
};

class AlertRoute {
 public:
  AlertRoute(RouteConfig cfg, DeadLetters* dead_letters, std::size_t queue);
  ~AlertRoute();
  AlertRoute(const AlertRoute&) = delete;
  AlertRoute& operator=(const AlertRoute&) = delete;

  bool wants(const Alert& a) const;
  void offer(const Alert& a);  // the dispatcher thread: de-duplicates, then queues (never blocks)
  void stop();                 // what is queued or being retried goes to the dead letters
  RouteStats stats() const;

  // The body a route sends for an alert, and its signature headers (exposed for tests).
  static std::string body(const RouteConfig& cfg, const Alert& a);
  static std::string signature(const std::string& secret, const std::string& timestamp, const std::string& body);

 private:
  void run();
  bool deliver(const Alert& a, httplib::Client& client, const std::string& path);
  void give_up(const Alert& a, const std::string& error, int attempts);

  RouteConfig cfg_;
  DeadLetters* dead_letters_;
  MpmcQueue<Alert> queue_;
  std::atomic<uint32_t> wake_{0};
  std::atomic<bool> stopping_{false};
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;  // interrupts a backoff wait at stop()
  std::map<std::tuple<std::string, std::string, int, std::string>, int64_t> last_sent_ms_;  // dispatcher thread only
  std::atomic<uint64_t> sent_{0}, failed_{0}, dropped_{0}, retries_{0}, dead_letters_n_{0}, deduplicated_{0};
  std::thread thread_;
};

}  // namespace qg::tracker
