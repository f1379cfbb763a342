// The tracker's side of the fleet on Redis (fleet.h, docs/shared-state.md#fleet): what the
// sync thread reads back is judged against the budgets, other processes' events are applied as
// if this process had seen them, and Redis going away is a status (degraded) and an alert.
#include "alert.h"
#include "fleet.h"
#include "fleet_schema.h"
#include "history.h"
#include "history_sql.h"

#include <cmath>
#include "shared_state.h"
#include "tracker.h"
#include "ws_state.h"

namespace qg::tracker {

namespace {
constexpr uint8_t u8(Status s) { return static_cast<uint8_t>(s); }
}  // namespace

void Tracker::open_fleet() {
  if (cfg_.redis.empty()) return;
  RedisUrl url;
  std::string why;
  if (!parse_redis_url(cfg_.redis, url, why)) throw std::runtime_error(why);
  Fleet::Hooks hooks;
  hooks.entity_name = [this](std::size_t e) {
    return e == 0 ? std::string("*") : std::string(workspaces_.name(static_cast<uint32_t>(e - 1)));
  };
  hooks.totals_changed = [this](std::size_t e) { check_fleet_limits(e); };
  hooks.event = [this](const std::string& event) { on_fleet_event(event); };
  hooks.health = [this](bool up, const std::string& reason) {
    const bool was_down = fleet_down_.exchange(!up);
    if (!up && was_down) return;
    const int64_t now = now_ms();
    if (!up)
      emit("fleet", "*", Status::degraded, Status::normal, "redis_unreachable",
           "redis unreachable (" + reason +
               "): budgets are enforced on this process's counts; its counts wait and are pushed when Redis is back");
    else if (was_down)
      emit("fleet", "*", Status::normal, Status::degraded, "redis_reachable", "redis reachable again: what was counted meanwhile is pushed");
    publish(0, now, up ? "redis reachable" : "redis unreachable");
  };
  // Batches a stopping process could not push wait beside the host's state (or the db).
  const std::string beside = !cfg_.shared_state_path().empty() ? cfg_.shared_state_path() : cfg_.db_path;
  fleet_ = std::make_unique<Fleet>(url, cfg_.redis_namespace, cfg_.redis_sync_ms, beside.empty() ? "" : beside + ".fleet",
                                   [this] { return now_ms(); }, std::move(hooks));
  dispatcher_->set_filter([this](const Alert& a) { return claim_alert(a); });
  fleet_->start();
}

void Tracker::check_fleet_limits(std::size_t e) {
  const int64_t now = now_ms();
  const Limits& lim = e == 0 ? cfg_.global : cfg_.limits_for(workspaces_.name(static_cast<uint32_t>(e - 1)));
  if (!lim.any()) return;
  const double* limits[3] = {lim.requests, lim.tokens, lim.usd};
  for (int p = 0; p < kPeriods; ++p)
    for (int w = 0; w < 3; ++w)
      if (limits[w][p] >= 0 && fleet_->used(e, p, w, now) >= limits[w][p]) exhaust_budget(e, w, p, now, true);
}

// What another process said (fleet_schema.h): an account's or workspace's API state, or a
// budget used up there.
void Tracker::on_fleet_event(const std::string& line) {
  fleet_schema::FleetEvent f;
  if (!fleet_schema::parse_event(line, f)) return;
  const int64_t now = now_ms();
  if (f.kind == fleet_schema::FleetEvent::Kind::budget) {
    const std::size_t entity = f.who == "*" ? 0 : std::size_t{workspace_id(f.who)} + 1;
    exhaust_budget(entity, f.what, f.period, now, true);
    return;
  }
  const Status st = f.status;
  uint32_t ws = 0;
  uint8_t account = 0;
  if (cfg_.quota_scope_global) {
    if (f.who.rfind("account:", 0) != 0) return;
    const std::string name = f.who.substr(8);
    bool found = false;
    for (int k = 0; k < account_count() && !found; ++k)
      if (account_name(static_cast<uint8_t>(k)) == name) account = static_cast<uint8_t>(k), found = true;
    if (!found) return;
  } else {
    if (f.who.rfind("account:", 0) == 0) return;
    ws = workspace_id(f.who);
  }
  ApiState& a = api_for(ws, account);
  if (a.status.load() == u8(st)) return;
  {
    std::lock_guard lock(a.info_mu);
    a.exhausted_since_ms = st == Status::exhausted ? f.since_ms : 0;
    a.code = f.code;
    a.message = f.message;
  }
  if (st != Status::normal) {
    a.changed_ns.store(steady_ns());  // only a call this process sends from now on clears it
    a.last_probe_ms.store(now);
  }
  a.status.store(u8(st));
  api_changed();
  share_api(ws, account);  // the other processes of this host
  publish_all(ws, now, st == Status::exhausted ? "insufficient_quota" : "a call succeeded");
}

void Tracker::broadcast_api(uint32_t ws, uint8_t account) {
  if (!fleet_) return;
  const ApiState& a = api_for(ws, account);
  const auto st = static_cast<Status>(a.status.load());
  const std::string who = cfg_.quota_scope_global ? "account:" + std::string(account_name(account)) : std::string(workspaces_.name(ws));
  std::string line;
  {
    std::lock_guard lock(const_cast<ApiState&>(a).info_mu);
    line = fleet_schema::api_event(who, st, a.exhausted_since_ms, a.code, a.message);
  }
  // Kept for processes that start later (they start blocked), until it is cleared.
  fleet_->broadcast(std::move(line), fleet_schema::api_keep(who));
}

// What the history just took (its minute rows, and its ledger rows by key label) goes to the
// fleet's usage buckets too (fleet_schema.h), so that the fleet's usage is the sum of the hosts'
// histories. Flusher thread, after a successful write: each delta is handed over once.
void Tracker::share_usage(const std::vector<MinuteRow>& minutes, const std::vector<LedgerRow>& ledger) {
  if (!fleet_) return;
  using fleet_schema::usage_cell_field;
  std::vector<std::pair<std::string, int64_t>> fields;
  int64_t minute = 0;
  for (const MinuteRow& m : minutes) {
    minute = m.minute;
    const int64_t v[fleet_schema::kUsageColCount] = {m.calls,     m.requests, m.errors,   m.input,      m.cached, m.output,
                                                     m.reasoning, m.images,   m.audio_ms, m.characters, std::llround(m.cost_usd * 1e6)};
    for (int c = 0; c < fleet_schema::kUsageColCount; ++c)
      if (v[c]) fields.emplace_back(usage_cell_field(c, m.workspace, m.endpoint, m.model), v[c]);
  }
  if (!fields.empty()) fleet_->add_usage(minute, fields);
  for (const LedgerRow& r : ledger) {  // as the history's usage by key label counts them (history_sql.h)
    const bool sent = (r.flags & quotaguard::kFlagBlocked) == 0;
    const int64_t v[fleet_schema::kUsageColCount] = {r.retry == 0, sent, sent && (r.http_status >= 400 || r.http_status == 0),
                                                     r.input,      r.cached, r.output, r.reasoning, r.images, r.audio_ms,
                                                     r.characters, std::llround(r.cost_usd * 1e6)};
    fields.clear();
    const std::string label = r.api_key.empty() ? std::string(kNoKeyLabel) : r.api_key;
    for (int c = 0; c < fleet_schema::kUsageColCount; ++c)
      if (v[c]) fields.emplace_back(fleet_schema::usage_key_field(c, label), v[c]);
    fleet_->add_usage(r.ts_ms / 60000, fields);
  }
}

bool Tracker::claim_alert(const Alert& a) {
  // A status change is one event whichever process (and reason, and previous status) announces
  // it; the same status announced again within a minute is the same event.
  const std::string kind = a.kind;
  std::string event = kind + "|" + a.workspace + "|";
  event += kind == "status" ? std::string(status_name(a.status)) : std::string(a.code);
  // Kept with the host's history it came from, so that a `quotaguard serve` of this host can
  // tell it from the other hosts' (it has its own from the history).
  std::string record = alert_json(a);
  record.insert(1, "\"origin\":\"" + fleet_schema::origin_of(cfg_.db_path) + "\",");
  return fleet_->claim(event, 60, record);
}

}  // namespace qg::tracker
