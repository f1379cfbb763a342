// The host's state (LiveSource) with the fleet's on top (docs/serve.md#fleet): statuses are the
// worse of what this host and the fleet say (an account exhausted on any host, a budget the
// fleet's counts used up), and a Redis that cannot be read makes "*" degraded with the reason,
// never an all-clear. Usage over a window is the fleet's usage buckets (source: fleet), recent
// alerts merge the fleet's with this host's; the ledger stays this host's (docs/serve.md#fleet).
#pragma once
#include "fleet_reader.h"
#include "state_source.h"
#include "tracker_config.h"

namespace qg::serve {

class FleetSource final : public ForwardingSource {
 public:
  // origin: this host's history as the fleet names it (fleet_schema::origin_of).
  FleetSource(StateSource& host, FleetReader& fleet, const tracker::Config& cfg, std::string origin)
      : ForwardingSource(host), fleet_(fleet), cfg_(cfg), origin_(std::move(origin)) {}
  std::vector<WorkspaceStatus> statuses() override;
  UsageAnswer usage_answer(UsageKey by, int64_t since_ms, int64_t until_ms) override;
  std::vector<AlertRecord> recent_alerts(int limit) override;
  std::optional<std::vector<AlertRecord>> fleet_alerts_after(int64_t after, int limit) override;
  int64_t last_fleet_alert_id() override { return fleet_.alert_seq(); }
  std::optional<std::map<int64_t, std::map<std::string, int64_t>>> fleet_usage_minutes(int64_t first, int64_t last) override {
    return fleet_.usage_minutes(first, last);
  }
  bool has_fleet() override { return true; }
  bool fleet_reachable() override { return fleet_.reachable(); }

 private:
  FleetReader& fleet_;
  const tracker::Config& cfg_;
  const std::string origin_;
};

}  // namespace qg::serve
