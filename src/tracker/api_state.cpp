// Status driven by what the API returns: exhausted and rate_limited per account (or workspace),
// cleared only by a success for a request sent after the state changed; the check that decides
// each call (send, fail fast, fall back to a cheaper model, fail over to another account).
#include <cstdio>

#include "shared_state.h"
#include "tracker.h"
#include "ws_state.h"

namespace qg::tracker {

namespace {
constexpr uint8_t u8(Status s) { return static_cast<uint8_t>(s); }
}  // namespace

Tracker::ApiState& Tracker::api_for(uint32_t ws, uint8_t account) const {
  if (!cfg_.quota_scope_global) return states_[ws & (InternTable::kCapacity - 1)].api;
  return accounts_[account < account_count() ? account : 0];
}

std::string_view Tracker::account_name(uint8_t account) const {
  return account == 0 || account > cfg_.accounts.size() ? std::string_view("primary") : cfg_.accounts[account - 1];
}

Status Tracker::api_status(const ApiState& a, int64_t now) const {
  auto st = static_cast<Status>(a.status.load(std::memory_order_relaxed));
  if (st == Status::rate_limited && now >= a.rate_limited_until_ms.load(std::memory_order_relaxed)) return Status::normal;
  return st;
}

int Tracker::active_account(uint32_t ws, int64_t now) const {
  for (int k = 0; k < account_count(); ++k)
    if (api_status(api_for(ws, static_cast<uint8_t>(k)), now) != Status::exhausted) return k;
  return -1;
}

Status Tracker::effective(const WsState& s) const {
  auto r = static_cast<Status>(s.budget.load(std::memory_order_relaxed));
  if (&s == global_.get() && fleet_down_.load(std::memory_order_relaxed) && Status::degraded > r) r = Status::degraded;
  if (s.degraded.load(std::memory_order_relaxed) && Status::degraded > r) r = Status::degraded;
  return r;
}

// A workspace's status: its budgets, the global budgets, and what the API said of the account
// its calls go to (all of them exhausted: exhausted). ws may be kNotFound (a name never used).
Status Tracker::effective_for(uint32_t ws, int64_t now) const {
  Status r = effective(*global_);
  const uint32_t id = ws == InternTable::kNotFound ? workspaces_.find("default") : ws;
  if (ws != InternTable::kNotFound) r = std::max(r, effective(states_[ws & (InternTable::kCapacity - 1)]));
  const int k = active_account(id, now);
  return std::max(r, k < 0 ? Status::exhausted : api_status(api_for(id, static_cast<uint8_t>(k)), now));
}

// Why an entity (0: global, 1 + workspace id) is at st, when the API state is what put it
// there: the error that exhausted the account, or the rate limit.
std::string Tracker::api_cause(std::size_t entity, Status st, int64_t now) const {
  if (st != Status::exhausted && st != Status::rate_limited) return {};
  auto cause = [&](uint32_t ws) -> std::string {
    const int k = active_account(ws, now);
    ApiState& a = api_for(ws, static_cast<uint8_t>(k < 0 ? 0 : k));
    if (k >= 0 && api_status(a, now) != st) return {};
    if (st == Status::rate_limited) return "rate_limit_exceeded";
    std::lock_guard lock(a.info_mu);
    return a.code.empty() ? "insufficient_quota" : a.code;
  };
  if (entity != 0) return cause(static_cast<uint32_t>(entity - 1));
  std::string r = cause(workspaces_.find("default"));
  for (uint32_t i = 0; r.empty() && i < InternTable::kCapacity; ++i)
    if (workspaces_.used(i)) r = cause(i);
  return r;
}

void Tracker::on_api_signal(uint32_t ws, const Call& c) {
  WsState& s = state(ws);
  if (c.rl_remaining_requests >= 0 || c.rl_remaining_tokens >= 0) {
    s.rl_remaining_requests.store(c.rl_remaining_requests, std::memory_order_relaxed);
    s.rl_remaining_tokens.store(c.rl_remaining_tokens, std::memory_order_relaxed);
    s.rl_reset_requests_ms.store(c.rl_reset_requests_ms, std::memory_order_relaxed);
    s.rl_reset_tokens_ms.store(c.rl_reset_tokens_ms, std::memory_order_relaxed);
    s.rl_seen_ms.store(now_ms(), std::memory_order_relaxed);
  }
  const bool quota = is_quota_error(c.error_type, c.error_code);
  const bool ok = c.http_status >= 200 && c.http_status < 300;
  ApiState& a = api_for(ws, c.account);
  if (!quota && c.http_status != 429 && !(ok && a.status.load(std::memory_order_relaxed)))
    return;  // the common case: nothing the status depends on
  const int64_t now = now_ms();
  if (quota) {
    exhaust(a, ws, c, now);
  } else if (c.http_status == 429) {
    int64_t wait = c.retry_after_ms > 0 ? c.retry_after_ms : c.rl_reset_requests_ms > 0 ? c.rl_reset_requests_ms : 1000;
    a.rate_limited_until_ms.store(now + wait, std::memory_order_relaxed);
    uint8_t expected = u8(Status::normal);
    if (a.status.compare_exchange_strong(expected, u8(Status::rate_limited))) a.changed_ns.store(steady_ns());
    api_changed();
    share_api(ws, c.account);
    publish_all(ws, now, "rate_limit_exceeded");
  } else {
    // The API answers again -- but only an answer to a request sent after the state changed
    // says so; a late success of an earlier request says nothing about the account now.
    const int64_t sent = c.sent_ns ? c.sent_ns : steady_ns() - static_cast<int64_t>(c.latency_ns);
    if (sent <= a.changed_ns.load()) return;
    a.status.store(u8(Status::normal));
    note_api_clean(now);
    share_api(ws, c.account);
    broadcast_api(ws, c.account);
    publish_all(ws, now, "a call succeeded");
  }
}

void Tracker::exhaust(ApiState& a, uint32_t ws, const Call& c, int64_t now) {
  // The why (code, message, since) is written before the status says exhausted, under the lock
  // check() reads it with: a check that sees "exhausted" always finds its reason. (Written after,
  // a check between the two blocked with an empty code.)
  bool first;
  std::string detail;
  {
    std::lock_guard lock(a.info_mu);
    first = a.status.load() != u8(Status::exhausted);
    if (first) {
      a.exhausted_since_ms = now;
      a.code = std::string(!c.error_code.empty() ? c.error_code : c.error_type);
      std::string_view m = c.error_message.substr(0, 300);
      a.message = "HTTP " + std::to_string(c.http_status) + " " + a.code + (m.empty() ? std::string() : ": " + std::string(m));
      detail = a.message;
      a.changed_ns.store(steady_ns());
      a.last_probe_ms.store(now);  // the first probe is exhausted_probe_s from now
    }
    a.status.store(u8(Status::exhausted));
  }
  api_changed();
  if (first && shared_) {  // first on the host: the process whose change replaced a non-exhausted one
    Status previous = Status::normal;
    share_api(ws, c.account, &previous);
    first = previous != Status::exhausted;
  }
  if (first) broadcast_api(ws, c.account);
  publish_all(ws, now, "insufficient_quota");
  if (first && account_count() > 1) {  // say where calls go now
    const int next = active_account(ws, now);
    std::string msg = "exhausted on '" + std::string(account_name(c.account)) + "' (" + detail + "); ";
    msg += next >= 0 ? "now on '" + std::string(account_name(static_cast<uint8_t>(next))) + "'" : "every account is exhausted";
    emit("failover", "*", next >= 0 ? Status::normal : Status::exhausted, Status::exhausted, account_name(c.account), msg);
  }
}

void Tracker::note_api_clean(int64_t now) {
  FastCheck& f = fast_check_;
  if (!f.enabled) return;
  const uint64_t seen = f.changes.load(std::memory_order_seq_cst);
  if (seen == f.clean_at.load(std::memory_order_relaxed)) return;
  // (seq_cst: a change counted in `seen` made its state visible before; one not counted shows as
  // a difference from what is stored below)
  if (cfg_.quota_scope_global) {
    for (int k = 0; k < account_count(); ++k)
      if (api_status(accounts_[k], now) != Status::normal) return;
  } else {
    bool clean = true;
    workspaces_.for_each([&](uint32_t i) { clean = clean && api_status(states_[i].api, now) == Status::normal; });
    if (!clean) return;
  }
  f.clean_at.store(seen, std::memory_order_seq_cst);
}

CheckResult Tracker::check(std::string_view workspace) {
  if (fast_check_.holds())
    return {};  // every account normal, nothing else refuses: allowed, on the client's own account
  CheckResult r;
  const uint32_t ws = workspace_id(workspace);
  const int64_t now = now_ms();
  const bool allow_all = cfg_.on_exhausted == "allow";
  // A used-up budget (of this process, or of the host when shared) holds whichever account the
  // call would go to.
  for (std::size_t entity : {std::size_t{ws} + 1, std::size_t{0}}) {
    std::string budget_name;
    if (!budget_exhausted(entity, &r.since_ms, &budget_name)) continue;
    r.status = Status::exhausted;
    r.action = allow_all ? CheckResult::allow : !cfg_.fallback_model.empty() ? CheckResult::fallback : CheckResult::block;
    r.code = "budget:" + budget_name;
    r.message = (entity == 0 ? std::string("the global ") : "workspace '" + std::string(workspaces_.name(ws)) + "': the ") +
                budget_name + " budget is used up";
    return r;
  }
  // What the API said: the first account that is not exhausted, or one due for a probe.
  for (int k = 0; k < account_count(); ++k) {
    sync_api(ws, static_cast<uint8_t>(k));  // what another process of the host was told
    ApiState& a = api_for(ws, static_cast<uint8_t>(k));
    const Status st = api_status(a, now);
    bool go = st != Status::exhausted || allow_all;
    if (!go && cfg_.exhausted_probe_s > 0) {  // one call now and then (per host when shared), to notice recovery
      std::atomic<int64_t>& probe = probe_clock(ws, static_cast<uint8_t>(k));
      int64_t last = probe.load();
      go = now - last >= cfg_.exhausted_probe_s * 1000LL && probe.compare_exchange_strong(last, now);
    }
    if (!go) continue;
    r.status = st;
    r.account = static_cast<uint8_t>(k);
    r.action = k == 0 ? CheckResult::allow : CheckResult::failover;
    return r;
  }
  r.status = Status::exhausted;
  r.action = CheckResult::block;
  ApiState& primary = api_for(ws, 0);
  std::lock_guard lock(primary.info_mu);
  if (api_status(primary, now) != Status::exhausted) {  // cleared meanwhile (reset, a success): the call goes
    r.status = api_status(primary, now);
    r.action = CheckResult::allow;
    return r;
  }
  r.since_ms = primary.exhausted_since_ms;
  r.code = primary.code;
  r.message = account_count() > 1 ? "every account is exhausted; the first: " + primary.message : primary.message;
  return r;
}

Status Tracker::status(std::string_view workspace) const {
  sync_api_all();
  const int64_t now = now_ms();
  if (!workspace.empty()) return effective_for(workspaces_.find(workspace), now);
  Status r = effective_for(InternTable::kNotFound, now);
  workspaces_.for_each([&](uint32_t i) { r = std::max(r, effective_for(i, now)); });
  return r;
}

void Tracker::reset(std::string_view workspace) {
  const int64_t now = now_ms();
  auto clear = [&](uint32_t ws, uint8_t account) {
    ApiState& a = api_for(ws, account);
    a.status.store(u8(Status::normal));
    {
      std::lock_guard lock(a.info_mu);
      a.code.clear();
      a.message.clear();
    }
    share_api(ws, account);
  };
  auto clear_budget = [&](std::size_t entity) {
    (entity == 0 ? *global_ : states_[entity - 1]).budget.store(u8(Status::normal));
    if (const int slot = entity_slot(entity); slot >= 0)
      shared_->set_budget(slot, shared_->budget(slot), Status::normal, now, -1);
  };
  if (cfg_.quota_scope_global) {
    for (int k = 0; k < account_count(); ++k) clear(0, static_cast<uint8_t>(k));
  } else {
    for (uint32_t i = 0; i < InternTable::kCapacity; ++i)
      if (workspaces_.used(i) && (workspace.empty() || workspaces_.name(i) == workspace)) clear(i, 0);
  }
  for (uint32_t i = 0; i < InternTable::kCapacity; ++i)
    if (workspaces_.used(i) && (workspace.empty() || workspaces_.name(i) == workspace)) {
      clear_budget(i + 1);
      publish(i + 1, now, "reset");
    }
  clear_budget(0);
  publish(0, now, "reset");
  note_api_clean(now);
}

std::vector<AccountStatus> Tracker::accounts() const {
  std::vector<AccountStatus> out;
  const int64_t now = now_ms();
  auto add = [&](ApiState& a, std::string_view name) {
    AccountStatus s;
    s.name = std::string(name);
    s.status = api_status(a, now);
    s.changed_ns = a.changed_ns.load();
    std::lock_guard lock(a.info_mu);
    if (s.status == Status::exhausted) {
      s.since_ms = a.exhausted_since_ms;
      s.code = a.code;
      s.message = a.message;
    }
    out.push_back(std::move(s));
  };
  if (cfg_.quota_scope_global) {
    for (int k = 0; k < account_count(); ++k) add(accounts_[k], account_name(static_cast<uint8_t>(k)));
  } else {
    for (uint32_t i = 0; i < InternTable::kCapacity; ++i)
      if (workspaces_.used(i) && states_[i].active.load()) add(states_[i].api, workspaces_.name(i));
  }
  return out;
}

ApiSnapshot Tracker::api_snapshot() const {
  ApiSnapshot snap;
  auto add = [&](ApiState& a, bool account, std::string_view name) {
    auto st = static_cast<Status>(a.status.load());
    if (st == Status::normal) return;
    std::lock_guard lock(a.info_mu);
    snap.entries.push_back({account, std::string(name), st, a.exhausted_since_ms, a.rate_limited_until_ms.load(), a.code, a.message});
  };
  if (cfg_.quota_scope_global) {
    for (int k = 0; k < account_count(); ++k) add(accounts_[k], true, account_name(static_cast<uint8_t>(k)));
  } else {
    for (uint32_t i = 0; i < InternTable::kCapacity; ++i)
      if (workspaces_.used(i)) add(states_[i].api, false, workspaces_.name(i));
  }
  return snap;
}

void Tracker::restore(const ApiSnapshot& snap) {
  const int64_t now = now_ms();
  if (shared_) {  // the host's state is already the truth (and may be newer than the snapshot)
    publish(0, now, "carried over by configure()");
    return;
  }
  for (const ApiSnapshot::Entry& e : snap.entries) {
    ApiState* a = nullptr;
    uint32_t ws = workspace_id("default");
    if (e.account && cfg_.quota_scope_global) {
      for (int k = 0; k < account_count() && !a; ++k)
        if (account_name(static_cast<uint8_t>(k)) == e.name) a = &accounts_[k];
    } else if (!e.account && !cfg_.quota_scope_global) {
      ws = workspace_id(e.name);
      a = &states_[ws].api;
    } else if (e.name == "primary" || !cfg_.quota_scope_global) {
      a = &api_for(ws, 0);  // the scope changed: what one key's quota said holds for it still
    }
    if (!a) continue;
    a->status.store(u8(e.status));
    a->changed_ns.store(steady_ns());  // only calls sent from now on may clear it
    a->rate_limited_until_ms.store(e.rate_limited_until_ms);
    api_changed();
    std::lock_guard lock(a->info_mu);
    a->exhausted_since_ms = e.since_ms;
    a->code = e.code;
    a->message = e.message;
  }
  publish(0, now, "carried over by configure()");
}

}  // namespace qg::tracker
