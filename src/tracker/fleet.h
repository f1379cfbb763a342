// Budgets and status across hosts on a Redis server (hiredis): docs/shared-state.md#fleet.
// The recording path only adds to this process's pending atomics; a sync thread pushes them in
// batches (one Lua script per batch, made idempotent by a batch id so a retried push never
// counts twice), reads the fleet's totals back, and relays exhaustion events over pub/sub.
// When Redis is unreachable the batches wait (nothing lost), the tracker enforces on what it
// knows and says it is degraded; they are pushed, in order, when Redis is back.
#pragma once
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "redis_client.h"
#include "shared_state.h"
#include "tracker_config.h"

struct redisContext;

namespace qg::tracker {

class Fleet {
 public:
  static constexpr std::size_t kEntities = 1025;  // 0: "*", 1 + workspace id
  struct Hooks {
    std::function<std::string(std::size_t entity)> entity_name;
    std::function<void(std::size_t entity)> totals_changed;  // the fleet's totals moved (sync thread)
    std::function<void(const std::string& event)> event;     // another process's broadcast
    std::function<void(bool up, const std::string& why)> health;
  };
  // spool: a directory for batches not pushed when the process stops with Redis away (any
  // process of the host pushes them later); empty: none (they are lost to the fleet's totals).
  Fleet(RedisUrl url, std::string ns, int sync_ms, std::string spool, std::function<int64_t()> now_ms, Hooks hooks);
  ~Fleet();
  void start();  // the sync and subscriber threads (the hooks may run from then on)
  Fleet(const Fleet&) = delete;
  Fleet& operator=(const Fleet&) = delete;

  // Hot path: relaxed atomic adds, nothing else.
  void add(std::size_t entity, const double (&amount)[kSharedAmounts]);
  // The fleet's total as last read, plus what this process has not had acknowledged yet.
  double used(std::size_t entity, int period, int what, int64_t now_ms) const;
  void used_all(std::size_t entity, int64_t now_ms, double (&out)[kPeriods][kSharedAmounts]) const;
  // Off the hot path (the flusher, after its history write): usage the history just took for
  // this minute, added to the fleet's minute and hour buckets by the next batch, exactly once
  // like the counts. fields: fleet_schema usage fields -> amount.
  void add_usage(int64_t minute, const std::vector<std::pair<std::string, int64_t>>& fields);
  // Rare path: an event for every other process of the fleet (and kept for later starters).
  void broadcast(std::string event, std::string keep_key = {});
  // One alert per event per fleet: true if this process should deliver it (also when Redis is
  // unreachable: an alert twice beats none).
  // record: the alert's JSON, kept on <ns>:alerts by the process that claims the event.
  bool claim(const std::string& event, int ttl_s, const std::string& record = {});
  bool up() const { return up_.load(std::memory_order_acquire); }
  void stop();  // pushes what is pending (one attempt), then joins

 private:
  struct Batch {
    std::string id;                // instance:seq, remembered by Redis: pushed at most once
    int64_t period_index[kPeriods];
    struct Row {
      std::size_t entity;          // this process's id (kEntities: from the spool)
      std::string name;
      std::array<uint64_t, kSharedAmounts> amount;
    };
    std::vector<Row> rows;
    struct Usage {                 // one usage bucket: key, seconds it is kept, field -> amount
      std::string key;
      int64_t ttl;
      std::vector<std::pair<std::string, int64_t>> fields;
    };
    std::vector<Usage> usage;
  };
  void spool_outbox();             // stop() with Redis away: the outbox to files
  void push_spool();               // files of stopped processes, when Redis is there
  void run();
  void run_subscriber();
  bool connect(redisContext*& c, std::string& why, std::string* master = nullptr);  // keeps a live one
  bool check_master();             // sentinels, a cluster: ctx_ dropped (true) when they name another master
  void collect();
  enum class Pushed { failed, unconfirmed, confirmed };
  // again: a batch pushed before (its amounts already left unacked_).
  Pushed push(const Batch& b, bool again = false);
  void pushed(Pushed p, Batch&& b);
  bool refresh();
  bool send_events();
  void set_up(bool up, const std::string& why);

  RedisUrl url_;
  std::string ns_, instance_, spool_;
  std::chrono::steady_clock::time_point spool_checked_{};
  int sync_ms_;
  std::function<int64_t()> now_ms_;
  Hooks hooks_;
  std::unique_ptr<std::atomic<uint64_t>[]> pending_;   // [entity][amount], in shared units
  std::unique_ptr<std::atomic<uint64_t>[]> unacked_;   // collected into batches not yet pushed
  std::unique_ptr<std::atomic<uint64_t>[]> total_;     // [entity][period][amount] as last read
  std::unique_ptr<std::atomic<int64_t>[]> total_index_;  // [entity][period]: the period read
  std::unique_ptr<std::atomic<bool>[]> touched_;
  std::mutex usage_mu_;
  std::map<int64_t, std::map<std::string, int64_t>> usage_in_;  // minute -> field -> amount
  std::deque<Batch> outbox_;                           // sync thread only
  // Sentinels: pushed, but no replica confirmed them yet (sync thread); pushed again on each
  // new connection until a WAIT confirms.
  static constexpr std::size_t kMaxUnconfirmed = 4096;
  std::deque<Batch> unconfirmed_;
  bool unconfirmed_pushed_ = false;                    // on the current connection
  uint64_t next_seq_ = 1;
  std::mutex events_mu_;
  std::vector<std::pair<std::string, std::string>> events_;  // (event, keep key)
  std::mutex wake_mu_;
  std::condition_variable wake_;
  std::atomic<bool> stopping_{false}, up_{false}, reread_kept_{false};
  std::atomic<bool> reported_{false};  // up_ has been decided once (before that, not "down")
  redisContext* ctx_ = nullptr;   // sync thread
  std::string master_;            // sync thread: the master ctx_ is on (sentinels, a cluster's slot)
  std::string fail_why_;          // sync thread: why the last push was not acknowledged
  bool moved_ = false;            // sync thread: a cluster answered MOVED (the slot's master moved)
  std::chrono::steady_clock::time_point master_checked_{};
  std::size_t sentinel_first_ = 0;  // sync thread: the sentinel (cluster node) that answered last
  std::atomic<uint64_t> master_epoch_{0};  // bumped when the sentinels (a cluster) name another master
  uint64_t claim_epoch_ = 0;      // claim_mu_
  redisContext* claim_ctx_ = nullptr;  // dispatcher thread (claims)
  std::mutex claim_mu_;
  std::thread thread_, subscriber_;
};

}  // namespace qg::tracker
