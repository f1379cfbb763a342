// The host's state (LiveSource) with the fleet's on top (docs/serve.md#fleet): statuses are the
// worse of what this host and the fleet say (an account exhausted on any host, a budget the
// fleet's counts used up), and a Redis that cannot be read makes "*" degraded with the reason,
// never an all-clear. Usage, alerts and the ledger are this host's history.
#pragma once
#include "fleet_reader.h"
#include "state_source.h"
#include "tracker_config.h"

namespace qg::serve {

class FleetSource final : public ForwardingSource {
 public:
  FleetSource(StateSource& host, FleetReader& fleet, const tracker::Config& cfg) : ForwardingSource(host), fleet_(fleet), cfg_(cfg) {}
  std::vector<WorkspaceStatus> statuses() override;

 private:
  FleetReader& fleet_;
  const tracker::Config& cfg_;
};

}  // namespace qg::serve
