// Per-workspace status state. Written by callers on API signals (atomics; the small mutex is
// taken only on the rare exhausted transition) and by the evaluation thread.
#pragma once
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>

#include "tracker.h"

namespace qg::tracker {

struct Tracker::WsState {
  std::atomic<uint8_t> api{0};        // normal | rate_limited | exhausted (what the API said)
  std::atomic<uint8_t> budget{0};     // normal | warning | critical | exhausted (local budgets)
  std::atomic<uint8_t> degraded{0};
  std::atomic<uint8_t> published{0};  // last status announced by an alert
  std::atomic<int64_t> since_ms{0};   // when the published status began
  std::atomic<int64_t> rate_limited_until_ms{0};
  std::atomic<int64_t> last_probe_ms{0};
  std::atomic<int64_t> rl_remaining_requests{-1}, rl_remaining_tokens{-1};
  std::atomic<int64_t> rl_reset_requests_ms{-1}, rl_reset_tokens_ms{-1}, rl_seen_ms{0};
  std::atomic<int64_t> forecast_alert_ms{0};
  std::atomic<int64_t> budget_forecast_period[kPeriods] = {};
  std::mutex publish_mu;              // one status transition announced at a time (rare path)
  std::mutex info_mu;                 // guards the exhausted details below
  int64_t exhausted_since_ms = 0;
  std::string exhausted_code, exhausted_message;
};

}  // namespace qg::tracker
