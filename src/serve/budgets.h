// Budgets as the dashboard shows them: each configured limit with what is used, what remains
// and, at the period's pace so far, when it runs out. With the fleet's Redis readable, "used" is
// the fleet's count (what the trackers enforce the budgets on); otherwise this host's history.
#pragma once
#include <nlohmann/json.hpp>

#include "fleet_reader.h"
#include "state_source.h"
#include "tracker_config.h"

namespace qg::serve {

struct BudgetUse {
  std::string workspace;  // "*": the global budget
  bool is_default = false;  // the default budget of a workspace without its own
  int period = 0, metric = 0;  // tracker::kMinute.., 0 requests / 1 tokens / 2 usd
  double limit = 0, used = 0;
  int64_t period_start_ms = 0, period_end_ms = 0;
};

struct Budgets {
  std::vector<BudgetUse> uses;
  const char* source = "history";  // or "fleet": the counts on Redis
};

// One entry per (workspace, period, metric) that has a limit in cfg: "*" for the global
// budget, each named workspace, and the default budget of every other workspace seen (in this
// host's history this month, kept by the fleet, or counted by the fleet this month). fleet:
// nullptr when none is configured.
Budgets budget_uses(const tracker::Config& cfg, StateSource& history, FleetReader* fleet, int64_t now_ms);
nlohmann::json budget_json(const Budgets& budgets, int64_t now_ms);  // the "budgets" array
const char* budget_metric_name(int metric);

}  // namespace qg::serve
