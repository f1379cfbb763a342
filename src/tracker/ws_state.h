// Status state. What the API said is kept per account (quota_scope "global": one quota per API
// key) or per workspace (quota_scope "workspace"); budgets per workspace and globally. Written
// by callers on API signals and budget crossings (atomics; small mutexes only on the rare
// transitions) and by the evaluation thread.
#pragma once
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>

#include "tracker.h"

namespace qg::tracker {

struct Tracker::ApiState {
  std::atomic<uint8_t> status{0};          // normal | rate_limited | exhausted
  // Steady clock when it left normal: only a success for a request sent after that clears it
  // (a late answer to an earlier request says nothing about the account now).
  std::atomic<int64_t> changed_ns{0};
  std::atomic<int64_t> rate_limited_until_ms{0};
  std::atomic<int64_t> last_probe_ms{0};
  std::atomic<uint64_t> shared_epoch{0};   // the host's change this process last took in or made
  std::mutex info_mu;                      // guards the details below (rare path)
  int64_t exhausted_since_ms = 0;
  std::string code, message;               // the error that exhausted it
};

// What the recording threads add to a budgeted entity between two evaluations, and what the
// last evaluation left of each limit: a call that uses up a budget blocks the next one at
// once, without waiting for the evaluation thread. Amounts are requests, tokens, USD.
struct LiveBudget {
  std::atomic<double> since[3] = {};       // added by recording threads (never reset)
  // Written by the evaluation thread under a sequence lock (odd while writing); read by
  // recording threads without a lock.
  std::atomic<uint32_t> seq{0};
  std::atomic<double> base[3] = {};        // `since` when the evaluation read the windows
  std::atomic<double> headroom[3] = {};    // least room left over the periods (inf: no limit)
  std::atomic<int8_t> tightest[3] = {};    // the period of that least room
  std::atomic<bool> limited{false};        // any limit at all
  std::atomic<bool> ready{false};          // rebased at least once
};

struct Tracker::WsState {
  ApiState api;                            // quota_scope "workspace" only
  std::atomic<uint8_t> budget{0};          // normal | warning | critical | exhausted (local budgets)
  std::atomic<uint8_t> degraded{0};
  std::atomic<uint8_t> published{0};       // last status announced by an alert
  std::atomic<int64_t> since_ms{0};        // when the published status began
  std::atomic<int64_t> rl_remaining_requests{-1}, rl_remaining_tokens{-1};
  std::atomic<int64_t> rl_reset_requests_ms{-1}, rl_reset_tokens_ms{-1}, rl_seen_ms{0};
  std::atomic<int64_t> forecast_alert_ms{0};
  std::atomic<int64_t> budget_forecast_period[kPeriods] = {};
  std::atomic<bool> active{false};         // made a call (or has history): shown in the status table
  LiveBudget live;
  std::mutex publish_mu;                   // one status transition announced at a time (rare path)
  std::mutex budget_mu;                    // guards the budget details below
  int64_t budget_since_ms = 0;
  std::string budget_name;                 // "usd_per_day": the limit that is used up
};

}  // namespace qg::tracker
