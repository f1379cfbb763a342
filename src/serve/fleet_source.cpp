#include "fleet_source.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "budgets.h"
#include "fleet_schema.h"
#include "sqlite_source.h"

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

// The fleet's usage buckets grouped as the history groups its rows (fleet_schema.h): the same
// totals, so the fleet's answer is the sum of every host's history. Redis away, or a window
// older than the buckets keep: this host's history, saying so.
UsageAnswer FleetSource::usage_answer(UsageKey by, int64_t since_ms, int64_t until_ms) {
  std::string why;
  const auto fields = fleet_.usage(since_ms / 60000, until_ms / 60000, now_ms(), why);
  if (!fields) {
    UsageAnswer a{inner_.usage(by, since_ms, until_ms)};
    a.degraded = !fleet_.health().reachable;
    a.note = why + ": this host's history only";
    return a;
  }
  std::map<std::string, UsageTotals> rows;
  for (const auto& [name, amount] : *fields) {
    tracker::fleet_schema::UsageField f;
    if (!tracker::fleet_schema::parse_usage_field(name, f) || f.by_key != (by == UsageKey::key)) continue;
    const std::string& key = by == UsageKey::workspace ? f.workspace
                             : by == UsageKey::endpoint ? f.endpoint
                             : by == UsageKey::model    ? f.model
                             : by == UsageKey::key      ? f.key_label
                                                        : family_of(f.endpoint);
    UsageTotals& t = rows[key];
    double* col[] = {&t.calls, &t.requests, &t.errors, &t.input_tokens, &t.cached_tokens, &t.output_tokens,
                     &t.reasoning_tokens, &t.images, &t.audio_seconds, &t.characters, &t.cost_usd};
    const double scale = f.col == 8 ? 1e-3 : f.col == 10 ? 1e-6 : 1.0;  // audio ms -> s, micro-USD -> USD
    *col[f.col] += static_cast<double>(amount) * scale;
  }
  UsageAnswer a;
  a.source = "fleet";
  for (auto& [key, totals] : rows) a.rows.push_back({key, totals});
  return a;
}

namespace {

// One event for the fleet (what claim_alert in src/tracker/fleet_sync.cpp claims once).
std::string event_of(const AlertRecord& a) {
  return a.kind + "|" + a.workspace + "|" + (a.kind == "status" ? a.status : a.code);
}

bool same_event(const AlertRecord& x, const AlertRecord& y) { return event_of(x) == event_of(y) && std::llabs(x.ts_ms - y.ts_ms) < 60000; }

// An alert as the fleet keeps it (fleet.cpp's kAlertScript); false: not an alert's JSON.
bool parse_kept(const std::string& line, const std::string& origin, AlertRecord& a) {
  const nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
  if (!j.is_object()) return false;
  a.ts_ms = j.value("ts_ms", int64_t{0});
  a.kind = j.value("kind", "");
  a.workspace = j.value("workspace", "");
  a.status = j.value("status", "");
  a.previous = j.value("previous", "");
  a.code = j.value("code", "");
  a.message = j.value("message", "");
  a.fleet_id = j.value("fleet_id", int64_t{0});  // 0: kept by a tracker from before fleet ids
  a.this_host = !origin.empty() && j.value("origin", "") == origin;
  a.source = "fleet";
  return true;
}

}  // namespace

// This host's alerts and the fleet's (each event kept once on Redis by the process that claimed
// it), newest first; an event this host's history has too (within the minute a claim lasts)
// is shown once, as this host's, with its id.
std::vector<AlertRecord> FleetSource::recent_alerts(int limit) {
  std::vector<AlertRecord> out = inner_.recent_alerts(limit);
  const auto kept = fleet_.alerts(limit);
  if (!kept) return out;
  const std::size_t own = out.size();
  for (const std::string& line : *kept) {
    AlertRecord a;
    if (!parse_kept(line, origin_, a)) continue;
    bool seen = false;
    for (std::size_t i = 0; i < own && !seen; ++i)
      if ((seen = same_event(out[i], a)) && !out[i].fleet_id) out[i].fleet_id = a.fleet_id;  // this host's, with its fleet id
    if (!seen) out.push_back(std::move(a));
  }
  std::stable_sort(out.begin(), out.end(), [](const AlertRecord& x, const AlertRecord& y) { return x.ts_ms > y.ts_ms; });
  if (out.size() > static_cast<std::size_t>(limit)) out.resize(static_cast<std::size_t>(limit));
  return out;
}

// The fleet's list in its own order (fleet ids, one sequence for every host), after a fleet id:
// what a UI pages and resumes with (after_fleet_id), and what the live events push. An alert this
// host's history has too is given as this host's (source host, its id); one of this host's not
// yet in its history stays the fleet's record (this_host says whose it is).
std::optional<std::vector<AlertRecord>> FleetSource::fleet_alerts_after(int64_t after, int limit) {
  const auto kept = fleet_.alerts(tracker::fleet_schema::kAlertsKept);
  if (!kept) return std::nullopt;
  std::vector<AlertRecord> out, own;
  bool read_own = false;
  for (auto line = kept->rbegin(); line != kept->rend() && out.size() < static_cast<std::size_t>(limit); ++line) {
    AlertRecord a;
    if (!parse_kept(*line, origin_, a) || a.fleet_id <= after) continue;
    if (a.this_host) {
      if (!read_own) own = inner_.recent_alerts(200), read_own = true;
      for (const AlertRecord& h : own)
        if (same_event(h, a)) {
          a.id = h.id;
          a.source = "host";
          break;
        }
    }
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace qg::serve
