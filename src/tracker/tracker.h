// The tracker: hot-path recording into per-thread shards, status per workspace driven by what
// the API returns and by budgets, and the background threads (evaluation, alerts, history).
#pragma once
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tracker_config.h"
#include "dispatcher.h"
#include "endpoint.h"
#include "idle_wait.h"
#include "intern.h"
#include "pricing.h"
#include "shard.h"
#include "types.h"
#include "window.h"

namespace qg::tracker {

class History;
class SharedState;
class Fleet;
struct LedgerRow;
struct MinuteRow;

using quotaguard::AccountStatus;
using quotaguard::ApiSnapshot;
using quotaguard::Breakdown;
using quotaguard::CheckResult;
using quotaguard::Exchange;
using quotaguard::UsageReport;

class Tracker {
 public:
  explicit Tracker(Config cfg);  // throws std::runtime_error on bad pricing / db
  ~Tracker();
  Tracker(const Tracker&) = delete;
  Tracker& operator=(const Tracker&) = delete;

  // Hot path: no lock, no allocation, no I/O (an alert on a status change is a queue push).
  void record(const Call& c);
  void record_ids(uint32_t ws, uint32_t ep, uint32_t model, const Call& c);
  // Classifies, extracts usage from the bodies, then records. Returns the workspace status.
  Status record_exchange(const Exchange& x);
  // record_exchange, or, for a 2xx while check()'s fast path holds (no budget, no shared state,
  // no fleet, every account normal: nothing the call could change is needed at once), a copy
  // handed to the evaluation thread (normal returned). usage(), flush() and shutdown() record
  // what is pending first; the evaluation thread at each evaluation.
  Status record_soon(const Exchange& x);
  void drain_pending();

  CheckResult check(std::string_view workspace);
  // Budgets and what the API said of the account calls go to; empty = worst over everything.
  Status status(std::string_view workspace) const;
  void reset(std::string_view workspace);            // clears API-driven states (all accounts)
  UsageReport usage(std::string_view workspace = {}) const;
  std::vector<AccountStatus> accounts() const;       // per account (per workspace in workspace scope)
  ApiSnapshot api_snapshot() const;
  void restore(const ApiSnapshot& s);                // as if the API had said it to this tracker

  uint32_t workspace_id(std::string_view name) { return workspaces_.intern(name.empty() ? "default" : name); }
  uint32_t endpoint_id(std::string_view method, std::string_view url);
  // classify() behind a small per-thread cache (the same URLs recur); sets *id.
  Endpoint endpoint(std::string_view method, std::string_view url, uint32_t* id);
  uint32_t model_id(std::string_view name) { return models_.intern(name.empty() ? "(none)" : name); }

  Dispatcher& dispatcher() { return *dispatcher_; }
  const Dispatcher& dispatcher() const { return *dispatcher_; }
  const Config& config() const { return cfg_; }
  const PricingTable& pricing() const { return pricing_; }
  // Runs one evaluation now (budgets, windows, forecasts), as the background thread does.
  void evaluate();
  int64_t now_ms() const { return cfg_.clock->now_ms(); }
  void flush();     // writes history now (no-op without a db)
  void shutdown();  // final flush, stops threads; idempotent
  uint64_t ledger_dropped() const;  // rows lost: shards full between flushes, or failed flushes
  uint64_t flush_failures() const { return flush_failures_.load(); }
  // The host's shared state (docs/shared-state.md); null when this tracker keeps its own.
  const SharedState* shared_state() const { return shared_.get(); }

 private:
  struct WsState;
  struct ApiState;
  static constexpr int kMaxAccounts = 8;

  Shard& local_shard();
  WsState& state(uint32_t ws);
  // API-driven state (api_state.cpp).
  ApiState& api_for(uint32_t ws, uint8_t account) const;
  std::string_view account_name(uint8_t account) const;
  int account_count() const { return cfg_.quota_scope_global ? 1 + static_cast<int>(cfg_.accounts.size()) : 1; }
  int active_account(uint32_t ws, int64_t now) const;  // first not exhausted; -1: none
  Status api_status(const ApiState& a, int64_t now) const;
  void on_api_signal(uint32_t ws, const Call& c);
  void exhaust(ApiState& a, uint32_t ws, const Call& c, int64_t now);
  // Announces the status of an entity (0: global, 1 + workspace id) if it changed. Derived
  // (the evaluation thread): the reason is the API's error when the API state is what moved
  // it, whichever thread gets there first.
  void publish(std::size_t entity, int64_t now, const char* reason, bool derived = false);
  std::string api_cause(std::size_t entity, Status st, int64_t now) const;  // "" if not the API's
  void publish_all(uint32_t ws, int64_t now, const char* reason);  // the workspace and global
  Status effective(const WsState& s) const;          // budgets and degraded
  Status effective_for(uint32_t ws, int64_t now) const;
  // Budgets charged as calls are recorded (budgets.cpp).
  void charge_budgets(uint32_t ws, uint32_t model, const Call& c);
  void rebase_budget(WsState& s, const Limits& lim, std::size_t entity);
  void exhaust_budget(std::size_t entity, int what, int period, int64_t now, bool from_fleet = false);
  double call_cost(uint32_t model, const Call& c) const;
  void emit(std::string_view kind, std::string_view ws, Status st, Status prev,
            std::string_view code, std::string_view message);
  bool seen_before(std::string_view object_id, int action);
  void collect(std::vector<std::pair<uint64_t, Totals>>& cells) const;
  double cell_cost(uint32_t model, const Totals& t, bool* unpriced) const;
  void tick();
  void run_ticker();
  void run_flusher();
  void load_history();
  void flush_locked();
  // The host's shared state (shared_sync.cpp).
  void open_shared();
  int entity_slot(std::size_t entity) const;        // 0: global "*", 1 + workspace id; -1: none
  int api_slot(uint32_t ws, uint8_t account) const;
  void sync_api(uint32_t ws, uint8_t account) const;  // takes in what another process said
  void sync_api_all() const;
  void share_api(uint32_t ws, uint8_t account, Status* previous = nullptr);  // tells the others
  void charge_shared(uint32_t ws, uint32_t model, const Call& c);
  Amounts used_now(std::size_t entity, int period, int64_t now) const;  // shared or this process's
  bool budget_exhausted(std::size_t entity, int64_t* since_ms, std::string* name);
  std::atomic<int64_t>& probe_clock(uint32_t ws, uint8_t account);
  void enforce(std::size_t entity, uint32_t ws, const double (&amount)[4], const double (&used)[kPeriods][4], int64_t now);
  // The fleet on Redis (fleet_sync.cpp).
  void open_fleet();
  void check_fleet_limits(std::size_t entity);
  void on_fleet_event(const std::string& event);
  void broadcast_api(uint32_t ws, uint8_t account);
  bool claim_alert(const Alert& a);
  void share_usage(const std::vector<MinuteRow>& minutes, const std::vector<LedgerRow>& ledger);

  Config cfg_;
  PricingTable pricing_;
  InternTable workspaces_, endpoints_, models_;
  InternTable key_labels_;  // "sk-proj-...wxyz" of the keys calls were sent with (the ledger's api_key)
  std::unique_ptr<WsState[]> states_;      // indexed by workspace id
  std::unique_ptr<WsState> global_;        // global budgets
  std::unique_ptr<ApiState[]> accounts_;   // quota_scope "global": 0 primary, then Config::accounts
  static constexpr int kMaxShards = 512;
  std::atomic<Shard*> shards_[kMaxShards] = {};
  std::atomic<int> shard_count_{0};
  std::mutex shard_mu_;
  uint64_t uid_;
  std::unique_ptr<std::atomic<uint64_t>[]> seen_;  // object ids whose usage was counted
  // Model id -> price, resolved on first use by any thread (lock-free: racing threads store the
  // same value). 0: not resolved yet; kUnpriced: no price.
  static constexpr uintptr_t kUnpriced = 1;
  mutable std::unique_ptr<std::atomic<uintptr_t>[]> price_cache_;
  mutable std::atomic<bool> unpriced_alerted_[InternTable::kCapacity] = {};
  std::atomic<bool> anomaly_alerted_[InternTable::kCapacity] = {};  // per endpoint
  std::unique_ptr<Dispatcher> dispatcher_;
  std::unique_ptr<History> history_;
  std::unique_ptr<Windows> windows_;
  std::unique_ptr<SharedState> shared_;
  mutable std::unique_ptr<std::atomic<int32_t>[]> shared_slots_;  // entity -> slot (-2: not looked up)
  std::unique_ptr<Fleet> fleet_;
  std::atomic<bool> fleet_down_{false};    // Redis unreachable: enforcing on what this process knows
  std::atomic<bool> stopping_{false};
  std::atomic<bool> dirty_{false};  // calls arrived since the last evaluation
  std::atomic<uint64_t> budget_crossings_{0};  // budgets exhausted by recording threads, ever (see tick)
  IdleWait idle_;                   // where the evaluation thread sleeps between calls
  IdleWait flusher_idle_;           // where the flusher sleeps between flushes
  IdleWait busy_idle_;              // between evaluations while calls keep coming (woken by shutdown only)
  static constexpr int kBusyEvalMs = 10;  // evaluation period while calls keep arriving and a budget is set
  int busy_eval_ms() const;              // that period for this configuration (see run_ticker)
  bool budgeted() const;                 // any budget configured
  // check()'s fast path: while no account is exhausted or rate limited and nothing else can
  // refuse a call (no budget, no shared state, no fleet), a check is two loads. The full check
  // touches ~100 cache lines the SDK's 3 ms of Python between two requests have evicted: ~10 µs
  // on the calling thread (docs/tracker.md, "Ninth pass"). Whoever makes an account's state
  // other than normal bumps `changes` after the store; `clean_at` is the count read before a
  // scan found every state normal (note_api_clean), so a change since shows as a difference.
  struct alignas(64) FastCheck {
    bool enabled = false;
    std::atomic<uint64_t> changes{0};
    std::atomic<uint64_t> clean_at{0};
    // Every account normal and nothing else refuses a call (check() allows; record_soon defers).
    bool holds() const {
      return enabled && changes.load(std::memory_order_seq_cst) == clean_at.load(std::memory_order_relaxed);
    }
  };
  mutable FastCheck fast_check_;
  void api_changed() const { fast_check_.changes.fetch_add(1, std::memory_order_seq_cst); }
  void note_api_clean(int64_t now);
  std::thread ticker_, flusher_;
  std::mutex flush_mu_;
  std::mutex tick_mu_;                             // one evaluation at a time
  std::mutex pending_mu_;                          // one drain_pending at a time
  // tick()'s scratch, under tick_mu_: sized once, and only the entities of the last evaluation
  // are cleared, so an evaluation after each call touches what the calls touched and no more.
  struct TickScratch {
    std::vector<std::pair<uint64_t, Totals>> cells;
    std::vector<Amounts> amounts;   // cumulative per entity: 0 = global, 1 + workspace id
    std::vector<uint8_t> active;
    std::vector<uint32_t> entities;  // the active ones, ascending
  } tick_scratch_;
  std::map<uint64_t, Totals> flushed_;             // flusher: cell totals already written
  // Ledger rows taken from the shards by a flush that failed (a database locked for longer than
  // its busy timeout, a full disk): written by the next flush. Beyond kMaxUnwritten the oldest
  // are dropped and counted.
  static constexpr std::size_t kMaxUnwritten = 16 * Shard::kRing;
  std::vector<LedgerRow> unwritten_;
  std::atomic<uint64_t> flush_dropped_{0}, flush_failures_{0};
};

}  // namespace qg::tracker
