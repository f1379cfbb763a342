// The fleet's shared state on Redis, as `quotaguard serve` reads it (docs/serve.md#fleet): what
// every host's trackers keep there (the API's state of each account and workspace) and count
// there (requests, tokens, cost per entity and period), through the tracker's own connection and
// key schema (redis_client.h, fleet_schema.h).
//
// A subscriber thread listens on `<ns>:events` and re-reads the kept states on every (re)subscribe,
// so the server knows what any host said within a round trip; it reconnects every 200 ms while
// Redis is away. Counts are read on demand (one pipelined round trip), and not at all while Redis
// is known to be away: no answer waits for a Redis that is not there.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "redis_client.h"
#include "shared_state.h"
#include "types.h"

namespace qg::serve {

// What the fleet keeps of an account ("account:<name>") or a workspace: the API's last word.
struct FleetStatus {
  tracker::Status status = tracker::Status::normal;
  int64_t since_ms = 0;    // when it began (as the host that saw it said), else when it was read
  std::string code, message;
};

// The fleet's counts of one entity in the current minute, day and month (usd in dollars).
struct FleetCounts {
  double used[tracker::kPeriods][tracker::kSharedAmounts] = {};
};

struct FleetHealth {
  std::string address, ns;  // no credentials
  bool reachable = false;
  std::string error;        // why not, when not
  int64_t since_ms = 0;     // reachable (or not) since
};

class FleetReader {
 public:
  FleetReader(tracker::RedisUrl url, std::string ns);
  ~FleetReader();
  FleetReader(const FleetReader&) = delete;
  FleetReader& operator=(const FleetReader&) = delete;
  // changed: something the fleet said, or its reachability, changed (from the reader's threads).
  // Returns once the first connection was tried (at most a second), so that what is kept is
  // known before the first answer.
  void start(std::function<void()> changed);
  void stop();

  FleetHealth health() const;
  bool reachable() const { return up_.load(std::memory_order_acquire); }  // (health().reachable, lock-free)
  // Every kept state, as last read (kept while Redis is away: it was true when read).
  std::map<std::string, FleetStatus> statuses() const;
  // The counts of these entities ("*" or a workspace) now; nullopt when Redis cannot be read
  // (health() says why). An entity the fleet has not counted has zeros.
  std::optional<std::map<std::string, FleetCounts>> counts(const std::vector<std::string>& entities, int64_t now_ms);
  // The workspaces any tracker counted this month (fleet_schema::counted_key; one HKEYS), "*" and
  // accounts not among them; nullopt when Redis cannot be read.
  std::optional<std::vector<std::string>> counted_workspaces(int64_t now_ms);
  // The fleet's minute usage buckets [first, last] (Unix minutes), each as kept (one pipelined
  // HGETALL each); nullopt when Redis cannot be read.
  std::optional<std::map<int64_t, std::map<std::string, int64_t>>> usage_minutes(int64_t first, int64_t last);
  // The fleet's usage buckets over the minutes [since, until] (Unix minutes, both included),
  // summed per field (fleet_schema.h's usage fields: whole hours from the hour buckets, the
  // edges from the minute buckets). nullopt and `why` when Redis cannot be read or the window
  // reaches back past what the buckets keep.
  std::optional<std::map<std::string, int64_t>> usage(int64_t since_minute, int64_t until_minute, int64_t now_ms, std::string& why);
  // The fleet's alerts (alert JSON, as the claiming process kept it), newest first.
  std::optional<std::vector<std::string>> alerts(int limit);
  // The newest fleet alert id heard of (<ns>:alerts:seq, then each alert announced on <ns>:events);
  // -1 until Redis was first read.
  int64_t alert_seq() const { return alert_seq_.load(std::memory_order_acquire); }

 private:
  void run();
  // One pipelined round trip on the query connection: each command's reply to `reply`;
  // false (and Redis marked away) when the connection fails.
  bool pipeline(const std::vector<std::vector<std::string>>& commands, const std::function<void(const redisReply*)>& reply);
  bool reread_kept();  // on the query connection (query_mu_ held)
  void apply(const std::string& event, int64_t now_ms);
  void set_reachable(bool up, const std::string& why);

  const tracker::RedisUrl url_;
  const std::string ns_;
  std::function<void()> changed_;
  mutable std::mutex mu_;  // statuses_, health_
  std::map<std::string, FleetStatus> statuses_;
  FleetHealth health_;
  std::atomic<bool> up_{false};
  std::atomic<int64_t> alert_seq_{-1};
  std::mutex query_mu_;
  redisContext* query_ = nullptr;  // counts and kept states (query_mu_)
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false, tried_ = false;
  std::thread thread_;
};

}  // namespace qg::serve
