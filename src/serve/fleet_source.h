// The host's state (LiveSource) with the fleet's on top (docs/serve.md#fleet): statuses are the
// worse of what this host and the fleet say (an account exhausted on any host, a budget the
// fleet's counts used up), and a Redis that cannot be read makes "*" degraded with the reason,
// never an all-clear. Usage, alerts and the ledger are this host's history.
#pragma once
#include "fleet_reader.h"
#include "state_source.h"
#include "tracker_config.h"

namespace qg::serve {

class FleetSource final : public StateSource {
 public:
  FleetSource(StateSource& host, FleetReader& fleet, const tracker::Config& cfg) : host_(host), fleet_(fleet), cfg_(cfg) {}

  std::vector<WorkspaceStatus> statuses() override;
  std::vector<UsageRow> usage(UsageKey by, int64_t since_ms, int64_t until_ms) override { return host_.usage(by, since_ms, until_ms); }
  UsageTotals usage_of(const std::string& workspace, int64_t since_ms, int64_t until_ms) override {
    return host_.usage_of(workspace, since_ms, until_ms);
  }
  std::vector<AlertRecord> alerts_after(int64_t after_id, int limit) override { return host_.alerts_after(after_id, limit); }
  std::vector<AlertRecord> recent_alerts(int limit) override { return host_.recent_alerts(limit); }
  std::vector<CallRecord> calls_after(int64_t after_id, int limit) override { return host_.calls_after(after_id, limit); }
  int64_t last_alert_id() override { return host_.last_alert_id(); }
  int64_t last_call_id() override { return host_.last_call_id(); }
  SourceHealth health() override { return host_.health(); }

 private:
  StateSource& host_;
  FleetReader& fleet_;
  const tracker::Config& cfg_;
};

}  // namespace qg::serve
