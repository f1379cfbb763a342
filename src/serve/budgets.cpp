#include "budgets.h"

#include <set>

#include "utc_calendar.h"

namespace qg::serve {

namespace {

struct PeriodSpan {
  int64_t start, end;
};

PeriodSpan span(int period, int64_t now) {
  switch (period) {
    case tracker::kMinute: return {now - now % 60000, now - now % 60000 + 60000};
    case tracker::kDay: return {tracker::utc_day_start_ms(now), tracker::utc_day_start_ms(now) + 86400000};
    default: return {tracker::utc_month_start_ms(now), tracker::utc_next_month_start_ms(now)};
  }
}

struct Budgeted {
  std::string workspace;
  bool is_default;
  const tracker::Limits* limits;
};

}  // namespace

const char* budget_metric_name(int metric) {
  static constexpr const char* kNames[] = {"requests", "tokens", "usd"};
  return kNames[metric];
}

Budgets budget_uses(const tracker::Config& cfg, StateSource& history, FleetReader* fleet, int64_t now) {
  std::vector<Budgeted> budgeted = {{"*", false, &cfg.global}};
  for (const auto& [name, lim] : cfg.workspaces) budgeted.push_back({name, false, &lim});
  if (cfg.default_workspace.any()) {
    std::set<std::string> seen;
    for (const UsageRow& r : history.usage(UsageKey::workspace, tracker::utc_month_start_ms(now), now)) seen.insert(r.key);
    if (fleet) {
      for (const auto& [who, st] : fleet->statuses())
        if (who.rfind("account:", 0) != 0) seen.insert(who);
      // Every workspace the fleet counted this month: one that only other hosts used, and that
      // has no kept status, is in neither list above.
      if (const auto counted = fleet->counted_workspaces(now))
        for (const std::string& who : *counted)
          if (who != "*" && who.rfind("account:", 0) != 0) seen.insert(who);
    }
    for (const auto& name : seen)
      if (!cfg.workspaces.count(name)) budgeted.push_back({name, true, &cfg.default_workspace});
  }
  std::optional<std::map<std::string, FleetCounts>> counts;
  if (fleet) {
    std::vector<std::string> names;
    for (const Budgeted& b : budgeted)
      if (b.limits->any()) names.push_back(b.workspace);
    counts = fleet->counts(names, now);
  }
  Budgets out;
  if (counts) out.source = "fleet";
  for (const Budgeted& b : budgeted) {
    const double* limits[] = {b.limits->requests, b.limits->tokens, b.limits->usd};
    for (int p = 0; p < tracker::kPeriods; ++p) {
      bool any = false;
      for (auto* l : limits) any |= l[p] >= 0;
      if (!any) continue;
      const PeriodSpan s = span(p, now);
      double used[3];
      if (counts) {
        const FleetCounts& c = counts->at(b.workspace);
        used[0] = c.used[p][tracker::kSharedRequests];
        used[1] = c.used[p][tracker::kSharedTokens];
        used[2] = c.used[p][tracker::kSharedMicroUsd];  // in dollars (shared_from_units)
      } else {
        const UsageTotals t = history.usage_of(b.workspace, s.start, now);
        used[0] = t.requests;
        used[1] = t.input_tokens + t.output_tokens;
        used[2] = t.cost_usd;
      }
      for (int m = 0; m < 3; ++m)
        if (limits[m][p] >= 0) out.uses.push_back({b.workspace, b.is_default, p, m, limits[m][p], used[m], s.start, s.end});
    }
  }
  return out;
}

nlohmann::json budget_json(const Budgets& budgets, int64_t now) {
  nlohmann::json out = nlohmann::json::array();
  for (const BudgetUse& u : budgets.uses) {
    // Linear at the pace since the period started; no forecast before a second has passed.
    nlohmann::json forecast = nullptr;
    const double elapsed = static_cast<double>(now - u.period_start_ms);
    if (u.used >= u.limit) {
      forecast = now;
    } else if (u.used > 0 && elapsed >= 1000) {
      const double at = static_cast<double>(u.period_start_ms) + u.limit / (u.used / elapsed);
      if (at < static_cast<double>(u.period_end_ms)) forecast = static_cast<int64_t>(at);
    }
    out.push_back({{"workspace", u.workspace},
                   {"default_budget", u.is_default},
                   {"period", tracker::period_name(u.period)},
                   {"metric", budget_metric_name(u.metric)},
                   {"limit", u.limit},
                   {"used", u.used},
                   {"remaining", std::max(0.0, u.limit - u.used)},
                   {"fraction_used", u.limit > 0 ? u.used / u.limit : 1.0},
                   {"period_start_ms", u.period_start_ms},
                   {"period_end_ms", u.period_end_ms},
                   {"forecast_exhausted_ms", forecast}});
  }
  return out;
}

}  // namespace qg::serve
