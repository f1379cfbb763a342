// The tracker's side of the host's shared state (shared_state.h, docs/shared-state.md): budget
// windows counted in the segment by every process, and what the API said taken in from it.
// Without a shared state each of these is this process's own, as before.
#include "fleet.h"
#include "history.h"
#include "shared_state.h"
#include "tracker.h"
#include "utc_calendar.h"
#include "ws_state.h"

namespace qg::tracker {

namespace {
constexpr uint8_t u8(Status s) { return static_cast<uint8_t>(s); }
constexpr const char* kWhat[] = {"requests", "tokens", "usd"};
}  // namespace

void Tracker::open_shared() {
  const std::string path = cfg_.shared_state_path();
  if (path.empty()) return;
  shared_slots_ = std::make_unique<std::atomic<int32_t>[]>(InternTable::kCapacity + 1);
  for (uint32_t i = 0; i <= InternTable::kCapacity; ++i) shared_slots_[i].store(-2, std::memory_order_relaxed);
  // Made by the first process: it starts from the history's day and month so far (the minute
  // starts empty); every later process, and every restart, finds the counts where they are.
  shared_ = SharedState::open(path, [this](SharedState& s) {
    if (!history_) return;
    const int64_t now = now_ms();
    const int64_t starts[] = {0, utc_day_start_ms(now), utc_month_start_ms(now)};
    const int global = s.slot("*");
    for (int p = kDay; p < kPeriods; ++p)
      for (const PeriodUsage& u : history_->usage_since(starts[p])) {
        const double a[kSharedAmounts] = {u.requests, u.tokens, u.usd, 0};
        for (int slot : {global, s.slot(u.workspace)})
          if (slot >= 0) s.add_to_period(slot, p, a, now);
      }
  });
  // The accounts' slots now: a process that starts after an exhaustion starts blocked.
  for (uint8_t k = 0; cfg_.quota_scope_global && k < account_count(); ++k) sync_api(0, k);
}

int Tracker::entity_slot(std::size_t e) const {
  if (!shared_) return -1;
  std::atomic<int32_t>& cached = shared_slots_[e];
  int32_t v = cached.load(std::memory_order_relaxed);
  if (v != -2) return v;
  // First use of the entity in this process: a probe of the segment, no allocation.
  const std::string_view name = e == 0 ? std::string_view("*") : workspaces_.name(static_cast<uint32_t>(e - 1));
  v = const_cast<SharedState&>(*shared_).slot(name);
  cached.store(v, std::memory_order_relaxed);
  return v;
}

int Tracker::api_slot(uint32_t ws, uint8_t account) const {
  if (!shared_) return -1;
  if (!cfg_.quota_scope_global) return entity_slot(std::size_t{ws} + 1);
  // Accounts are few and named at start: their slots are looked up once (kMaxAccounts cached
  // after the workspace entities would need another table; a probe by name is cheap and rare).
  char name[80];
  const std::string_view n = account_name(account);
  const int len = std::snprintf(name, sizeof name, "account:%.*s", static_cast<int>(n.size()), n.data());
  return const_cast<SharedState&>(*shared_).slot(std::string_view(name, static_cast<std::size_t>(len)));
}

void Tracker::sync_api(uint32_t ws, uint8_t account) const {
  const int slot = api_slot(ws, account);
  if (slot < 0) return;
  ApiState& a = api_for(ws, account);
  if (shared_->api_epoch(slot) == a.shared_epoch.load(std::memory_order_acquire)) return;  // the common case
  SharedApiStatus s;
  if (!shared_->api(slot, s) || s.epoch == a.shared_epoch.load(std::memory_order_acquire)) return;
  {
    std::lock_guard lock(a.info_mu);
    a.exhausted_since_ms = s.status == Status::exhausted ? s.since_ms : 0;
    a.code = s.code;
    a.message = s.message;
  }
  a.rate_limited_until_ms.store(s.rate_limited_until_ms, std::memory_order_relaxed);
  // Only a call sent from now on may clear it here (as for a state this process saw itself).
  if (s.status != Status::normal) a.changed_ns.store(steady_ns());
  if (s.status == Status::exhausted) a.last_probe_ms.store(now_ms());
  a.status.store(u8(s.status));
  api_changed();
  a.shared_epoch.store(s.epoch, std::memory_order_release);
}

void Tracker::sync_api_all() const {
  if (!shared_) return;
  if (cfg_.quota_scope_global) {
    for (int k = 0; k < account_count(); ++k) sync_api(0, static_cast<uint8_t>(k));
    return;
  }
  workspaces_.for_each([this](uint32_t i) { sync_api(i, 0); });
}

void Tracker::share_api(uint32_t ws, uint8_t account, Status* previous) {
  const int slot = api_slot(ws, account);
  if (slot < 0) return;
  ApiState& a = api_for(ws, account);
  const auto st = static_cast<Status>(a.status.load());
  std::string code, message;
  int64_t since;
  {
    std::lock_guard lock(a.info_mu);
    code = a.code;
    message = a.message;
    since = a.exhausted_since_ms;
  }
  const uint64_t e = shared_->publish_api(slot, st, since, a.rate_limited_until_ms.load(), code, message, previous);
  a.shared_epoch.store(e, std::memory_order_release);
}

std::atomic<int64_t>& Tracker::probe_clock(uint32_t ws, uint8_t account) {
  const int slot = api_slot(ws, account);
  return slot >= 0 ? shared_->last_probe_ms(slot) : api_for(ws, account).last_probe_ms;
}

// Hot path: the call's amounts go to the workspace's and the global windows of the host; the
// totals after the add decide the budget, so across processes too the call that uses a budget
// up blocks the next one, wherever it is made.
void Tracker::charge_shared(uint32_t ws, uint32_t model, const Call& c) {
  const bool blocked = c.flags & kFlagBlocked;
  if (blocked) return;
  const int64_t now = now_ms();
  const double amount[kSharedAmounts] = {1.0, static_cast<double>(c.input_tokens + c.output_tokens), call_cost(model, c),
                                         (c.http_status >= 500 || c.http_status == 0) ? 1.0 : 0.0};
  for (std::size_t entity : {std::size_t{ws} + 1, std::size_t{0}}) {
    double after[kPeriods][kSharedAmounts];
    if (const int slot = entity_slot(entity); slot >= 0) {
      shared_->add(slot, amount, now, after);
      enforce(entity, ws, amount, after, now);
    }
    if (fleet_) {  // the fleet's totals as last read, plus what this process has not pushed yet
      fleet_->add(entity, amount);
      fleet_->used_all(entity, now, after);
      enforce(entity, ws, amount, after, now);
    }
  }
}

void Tracker::enforce(std::size_t entity, uint32_t ws, const double (&amount)[4], const double (&used)[kPeriods][4], int64_t now) {
  const Limits& lim = entity == 0 ? cfg_.global : cfg_.limits_for(workspaces_.name(ws));
  const double* limits[3] = {lim.requests, lim.tokens, lim.usd};
  for (int p = 0; p < kPeriods; ++p)
    for (int w = 0; w < 3; ++w)
      if (limits[w][p] >= 0 && amount[w] > 0 && used[p][w] >= limits[w][p]) exhaust_budget(entity, w, p, now);
}

Amounts Tracker::used_now(std::size_t e, int p, int64_t now) const {
  if (fleet_)
    return {fleet_->used(e, p, kSharedRequests, now), fleet_->used(e, p, kSharedTokens, now),
            fleet_->used(e, p, kSharedMicroUsd, now), fleet_->used(e, p, kSharedServerErrors, now)};
  const int slot = entity_slot(e);
  if (slot < 0) return windows_->used(e, p);
  return {shared_->used(slot, p, kSharedRequests, now), shared_->used(slot, p, kSharedTokens, now),
          shared_->used(slot, p, kSharedMicroUsd, now), shared_->used(slot, p, kSharedServerErrors, now)};
}

// Whether a budget of the entity is used up (on the host when shared), with since and which.
bool Tracker::budget_exhausted(std::size_t e, int64_t* since_ms, std::string* name) {
  WsState& s = e == 0 ? *global_ : states_[(e - 1) & (InternTable::kCapacity - 1)];
  const int slot = entity_slot(e);
  if (slot >= 0) {
    if (shared_->budget(slot) != Status::exhausted) return false;
    *since_ms = shared_->budget_since_ms(slot);
    const int wp = shared_->budget_what_period(slot);
    *name = wp >= 0 && wp < 3 * kPeriods ? std::string(kWhat[wp / kPeriods]) + "_per_" + period_name(wp % kPeriods) : "budget";
    return true;
  }
  if (s.budget.load(std::memory_order_relaxed) != u8(Status::exhausted)) return false;
  std::lock_guard lock(s.budget_mu);
  *since_ms = s.budget_since_ms;
  *name = s.budget_name;
  return true;
}

}  // namespace qg::tracker
