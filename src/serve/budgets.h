// Budgets as the dashboard shows them: each configured limit with what is used, what remains
// and, at the period's pace so far, when it runs out.
#pragma once
#include <nlohmann/json.hpp>

#include "state_source.h"
#include "tracker_config.h"

namespace qg::serve {

// One entry per (workspace, period, metric) that has a limit in cfg: "*" for the global
// budget, each named workspace, and the default budget of every other workspace seen in usage.
nlohmann::json budget_report(const tracker::Config& cfg, StateSource& source, int64_t now_ms);

}  // namespace qg::serve
