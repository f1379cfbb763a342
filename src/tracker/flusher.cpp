// Background history: every flush interval, ledger rows and per-minute deltas go to SQLite in
// one transaction. Startup reads the day and month so far, so budgets survive restarts.
#include <chrono>
#include <condition_variable>
#include <ctime>

#include "fleet.h"
#include "history.h"
#include "tracker.h"
#include "utc_calendar.h"
#include "ws_state.h"

namespace qg::tracker {

void Tracker::load_history() {
  int64_t now = now_ms();
  const int64_t starts[] = {0, utc_day_start_ms(now), utc_month_start_ms(now)};
  for (int p = kDay; p < kPeriods; ++p) {
    for (const PeriodUsage& u : history_->usage_since(starts[p])) {
      Amounts a{u.requests, u.tokens, u.usd, 0};
      const uint32_t ws = workspace_id(u.workspace);
      windows_->add_history(0, p, a);
      windows_->add_history(ws + 1, p, a);
      states_[ws].active.store(true);
    }
  }
}

void Tracker::flush_locked() {
  if (!history_) return;
  int64_t now = now_ms();
  std::vector<LedgerRow> ledger = std::move(unwritten_);  // a failed flush's rows first
  unwritten_.clear();
  // Each shard's cells and ledger are read at one cut between two of its records: the minutes
  // and the ledger rows of one transaction then describe the same calls (a kill -9 right after
  // it keeps them agreeing).
  std::map<uint64_t, Totals> merged;
  std::vector<LedgerEntry> buf(Shard::kRing);
  int n = shard_count_.load(std::memory_order_acquire);
  for (int i = 0; i < n; ++i) {
    Shard* shard = shards_[i].load(std::memory_order_acquire);
    const uint64_t head = shard->consistent_cut(merged);
    std::size_t got = shard->drain_ledger(buf.data(), buf.size(), head);
    for (std::size_t k = 0; k < got; ++k) {
      const LedgerEntry& e = buf[k];
      Totals t;
      t.v[kInput] = e.input; t.v[kCached] = e.cached; t.v[kOutput] = e.output;
      t.v[kImages] = e.images; t.v[kAudioMs] = e.audio_ms; t.v[kCharacters] = e.characters;
      bool unpriced;
      double usd = cell_cost(e.model, t, &unpriced);
      ledger.push_back({e.ts_ms, std::string(workspaces_.name(e.workspace)), std::string(endpoints_.name(e.endpoint)),
                        std::string(models_.name(e.model)), e.error_code, e.http_status, e.retry, e.flags,
                        static_cast<int64_t>(e.input), static_cast<int64_t>(e.cached), static_cast<int64_t>(e.output),
                        static_cast<int64_t>(e.reasoning), static_cast<int64_t>(e.images), static_cast<int64_t>(e.audio_ms),
                        static_cast<int64_t>(e.characters), static_cast<int64_t>(e.request_bytes),
                        static_cast<int64_t>(e.response_bytes), static_cast<double>(e.latency_ns) / 1e6, usd,
                        e.api_key == kNoKey ? std::string() : std::string(key_labels_.name(e.api_key))});
    }
  }
  std::vector<std::pair<uint64_t, Totals>> cells(merged.begin(), merged.end());
  std::vector<MinuteRow> minutes;
  std::map<uint64_t, Totals> written;  // committed to flushed_ only once the write succeeded
  for (auto& [key, t] : cells) {
    const Totals& done = flushed_[key];
    Totals d;
    bool any = false;
    for (int j = 0; j < kCounterCount; ++j) {
      d.v[j] = t.v[j] - done.v[j];
      any |= d.v[j] != 0;
    }
    if (!any) continue;
    written[key] = t;
    bool unpriced;
    double usd = cell_cost(key_model(key), d, &unpriced);
    auto i64 = [&](int c) { return static_cast<int64_t>(d.v[c]); };
    minutes.push_back({now / 60000, std::string(workspaces_.name(key_ws(key))), std::string(endpoints_.name(key_ep(key))),
                       std::string(models_.name(key_model(key))), i64(kCalls), i64(kRequests), i64(kErrors), i64(kInput),
                       i64(kCached), i64(kOutput), i64(kReasoning), i64(kImages), i64(kAudioMs), i64(kCharacters),
                       i64(kEstimated), usd});
  }
  // The last status of "*" (everything), of each workspace that made a call or has history,
  // and of each account ("account:key-b") when calls can fail over.
  std::vector<StatusRow> statuses;
  statuses.push_back({"*", status_name(status({})), global_->since_ms.load(), now});
  for (uint32_t i = 0; i < InternTable::kCapacity; ++i)
    if (workspaces_.used(i) && states_[i].active.load())
      statuses.push_back({std::string(workspaces_.name(i)), status_name(effective_for(i, now)), states_[i].since_ms.load(), now});
  if (account_count() > 1)
    for (const AccountStatus& a : accounts())
      statuses.push_back({"account:" + a.name, status_name(a.status), a.since_ms, now});
  DispatcherStats ds = dispatcher_->stats();
  std::vector<std::pair<std::string, std::string>> meta = {
      {"pricing_date", pricing_.date()},
      {"flush_interval_ms", std::to_string(cfg_.flush_interval_ms)},
      {"ledger_dropped", std::to_string(ledger_dropped())},
      {"flush_failures", std::to_string(flush_failures())},
      {"alerts_dropped", std::to_string(ds.dropped + ds.webhook_dropped)},
      {"last_flush_ms", std::to_string(now)}};
  if (ledger.size() > kMaxUnwritten) {  // flushes have failed for a while: keep the newest
    flush_dropped_.fetch_add(ledger.size() - kMaxUnwritten);
    ledger.erase(ledger.begin(), ledger.begin() + static_cast<std::ptrdiff_t>(ledger.size() - kMaxUnwritten));
  }
  try {
    history_->write(minutes, ledger, statuses, meta);
  } catch (...) {
    flush_failures_.fetch_add(1);
    unwritten_ = std::move(ledger);  // the next flush writes them (and the minutes' deltas again)
    throw;
  }
  for (auto& [key, t] : written) flushed_[key] = t;
  share_usage(minutes, ledger);
}

void Tracker::flush() {
  drain_pending();  // what record_soon left is written too
  std::lock_guard lock(flush_mu_);
  flush_locked();
}

void Tracker::run_flusher() {
  auto interval = std::chrono::milliseconds(cfg_.flush_interval_ms);
  auto next = std::chrono::steady_clock::now() + interval;
  while (!stopping_.load(std::memory_order_acquire)) {
    // Until the next flush; shutdown wakes it (no polling: a process that waits wakes for nothing).
    const auto left = next - std::chrono::steady_clock::now();
    if (left > std::chrono::steady_clock::duration::zero()) {
      flusher_idle_.sleep_unless([this] { return stopping_.load(std::memory_order_seq_cst); },
                                 std::chrono::ceil<std::chrono::milliseconds>(left));
      continue;
    }
    next += interval;
    try {
      flush();
    } catch (const std::exception&) {
      // A locked or full disk must not kill the process; the next flush retries the deltas.
    }
  }
}

void Tracker::shutdown() {
  if (stopping_.exchange(true)) return;
  idle_.wake();
  busy_idle_.wake();
  flusher_idle_.wake();
  if (ticker_.joinable()) ticker_.join();
  evaluate();  // statuses and alerts reflect the very last calls
  if (fleet_ && history_) {  // the last calls' usage goes to the fleet's buckets with the last batch
    try {
      flush();
    } catch (const std::exception&) {
    }
  }
  if (fleet_) fleet_->stop();  // pushes what is pending; its last word (reachable or not) is an alert
  dispatcher_->stop();         // claims what it delivers (a connection of its own)
  if (flusher_.joinable()) flusher_.join();
  if (history_) {
    try {
      flush();
    } catch (const std::exception&) {
    }
  }
}

}  // namespace qg::tracker
