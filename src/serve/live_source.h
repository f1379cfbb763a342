// Statuses from the host's live shared state (src/tracker/shared_state.h, beside the history):
// what every tracked process sees now, not what the last one to flush wrote a flush ago.
// Everything else, and the statuses of a history written per process, from the history.
#pragma once
#include <memory>
#include <mutex>
#include <string>

#include "shared_state.h"
#include "state_source.h"

namespace qg::serve {

class LiveSource final : public StateSource {
 public:
  // state_path: Config::shared_state_path() (empty: per-process trackers, none to read).
  LiveSource(std::string state_path, StateSource& history) : path_(std::move(state_path)), history_(history) {}

  std::vector<WorkspaceStatus> statuses() override;
  std::vector<UsageRow> usage(UsageKey by, int64_t since_ms, int64_t until_ms) override {
    return history_.usage(by, since_ms, until_ms);
  }
  UsageTotals usage_of(const std::string& workspace, int64_t since_ms, int64_t until_ms) override {
    return history_.usage_of(workspace, since_ms, until_ms);
  }
  std::vector<AlertRecord> alerts_after(int64_t after_id, int limit) override { return history_.alerts_after(after_id, limit); }
  std::vector<AlertRecord> recent_alerts(int limit) override { return history_.recent_alerts(limit); }
  std::vector<CallRecord> calls_after(int64_t after_id, int limit) override { return history_.calls_after(after_id, limit); }
  int64_t last_alert_id() override { return history_.last_alert_id(); }
  int64_t last_call_id() override { return history_.last_call_id(); }
  SourceHealth health() override;

 private:
  tracker::SharedState* shared_locked();  // nullptr while there is none (opened when it appears)
  const std::string path_;
  StateSource& history_;
  std::mutex mu_;
  std::unique_ptr<tracker::SharedState> shared_;
  std::string error_;
};

}  // namespace qg::serve
