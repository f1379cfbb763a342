// Budgets charged as calls are recorded. The evaluation thread computes each budgeted entity's
// usage per period from the windows (with the history's day and month) and leaves the least
// room over the periods (the headroom); every recorded call adds its requests, tokens and cost
// to the entity and compares the sum since that evaluation with the headroom. So the call that
// uses up a budget blocks the next call at once: calls made one after another stop exactly at
// the budget, and calls already on their way when it is crossed are the only overshoot.
//
// The evaluation reads the shards before it takes the sum recorded since, so a call recorded
// in between is counted at most once too few until the next evaluation (a few ms): a budget can
// be crossed late by such a call, never early.
// Nor can that evaluation undo a crossing a recording thread made after it read the shards:
// tick() keeps an exhausted status set since then (budget_crossings_) until the next evaluation.
#include <cmath>
#include <limits>

#include "fleet.h"
#include "fleet_schema.h"
#include "shared_state.h"
#include "tracker.h"
#include "ws_state.h"

namespace qg::tracker {

namespace {
constexpr double kNoLimit = std::numeric_limits<double>::infinity();
}  // namespace

double Tracker::call_cost(uint32_t model, const Call& c) const {
  Totals t;
  t.v[kInput] = c.input_tokens;
  t.v[kCached] = c.cached_tokens;
  t.v[kOutput] = c.output_tokens;
  t.v[kImages] = c.images;
  t.v[kAudioMs] = c.audio_ms;
  t.v[kCharacters] = c.characters;
  bool unpriced;
  return cell_cost(model, t, &unpriced);
}

// Called by the evaluation thread with the usage per period it just computed.
void Tracker::rebase_budget(WsState& s, const Limits& lim, std::size_t entity) {
  LiveBudget& b = s.live;  // (one writer: the evaluation thread, under tick_mu_)
  const bool limited = lim.any();
  double headroom[3] = {kNoLimit, kNoLimit, kNoLimit};
  int tightest[3] = {0, 0, 0};
  const double* limits[3] = {lim.requests, lim.tokens, lim.usd};
  for (int p = 0; limited && p < kPeriods; ++p) {
    const Amounts used = windows_->used(entity, p);
    for (int w = 0; w < 3; ++w) {
      if (limits[w][p] < 0) continue;
      const double room = limits[w][p] - used.get(w);
      if (room < headroom[w]) {
        headroom[w] = room;
        tightest[w] = p;
      }
    }
  }
  b.seq.fetch_add(1, std::memory_order_acq_rel);  // odd: being written
  for (int w = 0; w < 3; ++w) {  // release: a reader that sees one of these sees the odd seq
    b.base[w].store(b.since[w].load(std::memory_order_relaxed), std::memory_order_release);
    b.headroom[w].store(headroom[w], std::memory_order_release);
    b.tightest[w].store(static_cast<int8_t>(tightest[w]), std::memory_order_release);
  }
  b.seq.fetch_add(1, std::memory_order_release);
  b.limited.store(limited, std::memory_order_relaxed);
  b.ready.store(true, std::memory_order_release);
}

namespace {
// The least room per amount when no evaluation has seen the entity yet: its limits, nothing used
// (an entity with history is evaluated when the tracker starts).
void first_headroom(const Limits& lim, double (&headroom)[3], int (&tightest)[3]) {
  const double* limits[3] = {lim.requests, lim.tokens, lim.usd};
  for (int w = 0; w < 3; ++w) {
    headroom[w] = kNoLimit;
    for (int p = 0; p < kPeriods; ++p)
      if (limits[w][p] >= 0 && limits[w][p] < headroom[w]) {
        headroom[w] = limits[w][p];
        tightest[w] = p;
      }
  }
}

// The last evaluation's values, read consistently without a lock (a sequence lock: the loads
// acquire, so the second load of seq sees any write whose values were read).
void read_evaluation(const LiveBudget& b, double (&base)[3], double (&headroom)[3], int (&tightest)[3]) {
  for (;;) {
    const uint32_t seq = b.seq.load(std::memory_order_acquire);
    for (int w = 0; w < 3; ++w) {
      base[w] = b.base[w].load(std::memory_order_acquire);
      headroom[w] = b.headroom[w].load(std::memory_order_acquire);
      tightest[w] = b.tightest[w].load(std::memory_order_acquire);
    }
    if (!(seq & 1) && seq == b.seq.load(std::memory_order_relaxed)) return;
  }
}
}  // namespace

void Tracker::charge_budgets(uint32_t ws, uint32_t model, const Call& c) {
  WsState& s = state(ws);
  const Limits& ws_limits = cfg_.limits_for(workspaces_.name(ws));
  const bool ws_limited = s.live.ready.load(std::memory_order_acquire) ? s.live.limited.load(std::memory_order_relaxed)
                                                                        : ws_limits.any();
  if (!ws_limited && !global_->live.limited.load(std::memory_order_relaxed)) return;
  const double amount[3] = {1.0, static_cast<double>(c.input_tokens + c.output_tokens), call_cost(model, c)};
  for (std::size_t entity : {std::size_t{0}, std::size_t{ws} + 1}) {
    WsState& e = entity == 0 ? *global_ : s;
    LiveBudget& b = e.live;
    if (entity == 0 ? !b.limited.load(std::memory_order_relaxed) : !ws_limited) continue;
    double since[3];
    for (int w = 0; w < 3; ++w) since[w] = b.since[w].fetch_add(amount[w], std::memory_order_relaxed) + amount[w];
    double base[3] = {0, 0, 0}, headroom[3];
    int tightest[3] = {0, 0, 0};
    if (b.ready.load(std::memory_order_acquire)) read_evaluation(b, base, headroom, tightest);
    else first_headroom(ws_limits, headroom, tightest);  // a workspace no evaluation has seen yet
    for (int w = 0; w < 3; ++w)
      if (amount[w] > 0 && since[w] - base[w] >= headroom[w] &&
          e.budget.load(std::memory_order_relaxed) != static_cast<uint8_t>(Status::exhausted))
        exhaust_budget(entity, w, tightest[w], now_ms());
  }
}

void Tracker::exhaust_budget(std::size_t entity, int what, int period, int64_t now, bool from_fleet) {
  static constexpr const char* kWhat[] = {"requests", "tokens", "usd"};
  WsState& s = entity == 0 ? *global_ : states_[entity - 1];
  if (const int slot = entity_slot(entity); slot >= 0) shared_->exhaust_budget(slot, what * kPeriods + period, now);
  budget_crossings_.fetch_add(1, std::memory_order_seq_cst);  // before the status: see tick()
  if (s.budget.exchange(static_cast<uint8_t>(Status::exhausted)) == static_cast<uint8_t>(Status::exhausted)) return;
  const std::string name = std::string(kWhat[what]) + "_per_" + period_name(period);
  {
    std::lock_guard lock(s.budget_mu);
    s.budget_since_ms = now;
    s.budget_name = name;
  }
  if (fleet_ && !from_fleet) {  // every host blocks at once, not at its next sync
    const std::string_view who = entity == 0 ? std::string_view("*") : workspaces_.name(static_cast<uint32_t>(entity - 1));
    fleet_->broadcast(fleet_schema::budget_event(std::string(who), what, period));
  }
  publish(entity, now, name.c_str());
}

}  // namespace qg::tracker
