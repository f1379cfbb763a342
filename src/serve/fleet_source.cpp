#include "fleet_source.h"

#include <chrono>
#include <cstdio>

#include "budgets.h"

namespace qg::serve {

namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

int rank(const std::string& status) {
  tracker::Status s = tracker::Status::normal;
  tracker::parse_status(status, s);
  return static_cast<int>(s);
}

WorkspaceStatus& entry(std::vector<WorkspaceStatus>& all, const std::string& who, int64_t now) {
  for (WorkspaceStatus& w : all)
    if (w.workspace == who) return w;
  all.push_back({who, "normal", now, now, {}, {}});
  return all.back();
}

// Puts `who` in `status` unless what it is in already is as bad.
void raise(std::vector<WorkspaceStatus>& all, const std::string& who, const std::string& status, int64_t since,
           const std::string& code, const std::string& reason, int64_t now) {
  WorkspaceStatus& w = entry(all, who, now);
  if (rank(w.status) >= rank(status)) return;
  w = {who, status, since, now, reason, code};
}

}  // namespace

std::vector<WorkspaceStatus> FleetSource::statuses() {
  std::vector<WorkspaceStatus> out = inner_.statuses();
  const int64_t now = now_ms();
  // What the API said to any host of an account or workspace (kept on Redis).
  for (const auto& [who, f] : fleet_.statuses()) {
    if (f.status == tracker::Status::normal) continue;
    const std::string status = tracker::status_name(f.status);
    const std::string reason = f.message.empty() ? "status " + status + " (" + f.code + ", said by the fleet)" : f.message;
    raise(out, who, status, f.since_ms, f.code, reason, now);
    // An account out of quota stops every workspace that calls through it: "*" says so.
    if (who.rfind("account:", 0) == 0) raise(out, "*", status, f.since_ms, f.code, reason, now);
  }
  // Budgets the fleet's counts used up (the trackers stop there; the event is not kept).
  const Budgets budgets = budget_uses(cfg_, inner_, &fleet_, now);
  if (std::string(budgets.source) == "fleet") {
    for (const BudgetUse& u : budgets.uses)
      if (u.used >= u.limit) {
        const std::string name = std::string(budget_metric_name(u.metric)) + "_per_" + tracker::period_name(u.period);
        char used[96];
        std::snprintf(used, sizeof used, "%.17g of %.17g", u.used, u.limit);
        raise(out, u.workspace, "exhausted", u.period_start_ms, name, "fleet budget " + name + " used up (" + used + ")", now);
      }
  }
  const FleetHealth h = fleet_.health();
  if (!h.reachable)
    raise(out, "*", "degraded", h.since_ms, "redis_unreachable",
          "the fleet's Redis (" + h.address + ") cannot be read (" + h.error +
              "): this host's history and the fleet's state as last read", now);
  return out;
}

}  // namespace qg::serve
