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

void add_entries(nlohmann::json& out, const std::string& workspace, bool is_default, const tracker::Limits& lim,
                 StateSource& source, int64_t now) {
  const char* metrics[] = {"requests", "tokens", "usd"};
  const double* limits[] = {lim.requests, lim.tokens, lim.usd};
  for (int p = 0; p < tracker::kPeriods; ++p) {
    bool any = false;
    for (auto* l : limits) any |= l[p] >= 0;
    if (!any) continue;
    const PeriodSpan s = span(p, now);
    const UsageTotals t = source.usage_of(workspace, s.start, now);
    const double used[] = {t.requests, t.input_tokens + t.output_tokens, t.cost_usd};
    for (int m = 0; m < 3; ++m) {
      const double limit = limits[m][p];
      if (limit < 0) continue;
      // Linear at the pace since the period started; no forecast before a second has passed.
      nlohmann::json forecast = nullptr;
      const double elapsed = static_cast<double>(now - s.start);
      if (used[m] >= limit) {
        forecast = now;
      } else if (used[m] > 0 && elapsed >= 1000) {
        const double at = static_cast<double>(s.start) + limit / (used[m] / elapsed);
        if (at < static_cast<double>(s.end)) forecast = static_cast<int64_t>(at);
      }
      out.push_back({{"workspace", workspace},
                     {"default_budget", is_default},
                     {"period", tracker::period_name(p)},
                     {"metric", metrics[m]},
                     {"limit", limit},
                     {"used", used[m]},
                     {"remaining", std::max(0.0, limit - used[m])},
                     {"fraction_used", limit > 0 ? used[m] / limit : 1.0},
                     {"period_start_ms", s.start},
                     {"period_end_ms", s.end},
                     {"forecast_exhausted_ms", forecast}});
    }
  }
}

}  // namespace

nlohmann::json budget_report(const tracker::Config& cfg, StateSource& source, int64_t now) {
  nlohmann::json out = nlohmann::json::array();
  add_entries(out, "*", false, cfg.global, source, now);
  for (const auto& [name, lim] : cfg.workspaces) add_entries(out, name, false, lim, source, now);
  if (cfg.default_workspace.any()) {
    std::set<std::string> seen;
    for (const UsageRow& r : source.usage(UsageKey::workspace, tracker::utc_month_start_ms(now), now))
      if (!cfg.workspaces.count(r.key)) seen.insert(r.key);
    for (const auto& name : seen) add_entries(out, name, true, cfg.default_workspace, source, now);
  }
  return out;
}

}  // namespace qg::serve
