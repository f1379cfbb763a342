// Background evaluation: sums the shards, prices them, keeps usage windows, sets budget and
// degraded states, and raises forecasts (burn rate, x-ratelimit-remaining-*).
#include <chrono>
#include <cmath>
#include <algorithm>
#include <cstdio>

#include "shared_state.h"
#include "tracker.h"
#include "ws_state.h"

namespace qg::tracker {

void Tracker::collect(std::vector<std::pair<uint64_t, Totals>>& out) const {
  std::map<uint64_t, Totals> merged;
  int n = shard_count_.load(std::memory_order_acquire);
  for (int i = 0; i < n; ++i) {
    const Shard* s = shards_[i].load(std::memory_order_acquire);
    s->for_each_cell([&](const Shard::Cell& c) {
      Totals& t = merged[c.key.load(std::memory_order_acquire)];
      for (int j = 0; j < kCounterCount; ++j) t.v[j] += c.v[j].load(std::memory_order_relaxed);
    });
  }
  out.assign(merged.begin(), merged.end());
}

double Tracker::cell_cost(uint32_t model, const Totals& t, bool* unpriced) const {
  Quantities q{t.v[kInput], t.v[kCached], t.v[kOutput], t.v[kImages], t.v[kAudioMs], t.v[kCharacters]};
  *unpriced = false;
  if (!q.billable()) return 0;
  std::atomic<uintptr_t>& slot = price_cache_[model & (InternTable::kCapacity - 1)];
  uintptr_t v = slot.load(std::memory_order_acquire);
  if (v == 0) {  // first use: any thread resolves it (no allocation); racing threads agree
    const Price* found = pricing_.find(models_.name(model));
    v = found ? reinterpret_cast<uintptr_t>(found) : kUnpriced;
    slot.store(v, std::memory_order_release);
  }
  const Price* p = v == kUnpriced ? nullptr : reinterpret_cast<const Price*>(v);
  if (!p) {
    *unpriced = true;
    return 0;
  }
  return pricing_.cost(*p, q);
}

UsageReport Tracker::usage(std::string_view workspace) const {
  const_cast<Tracker*>(this)->drain_pending();  // (what record_soon left is counted too)
  UsageReport r;
  std::vector<std::pair<uint64_t, Totals>> cells;
  collect(cells);
  uint32_t only = workspace.empty() ? InternTable::kNotFound : workspaces_.find(workspace);
  if (!workspace.empty() && only == InternTable::kNotFound) return r;
  std::map<std::string, bool> unpriced;
  for (auto& [key, t] : cells) {
    uint32_t ws = key_ws(key), ep = key_ep(key), model = key_model(key);
    if (only != InternTable::kNotFound && ws != only) continue;
    bool up = false;
    double usd = cell_cost(model, t, &up);
    if (up) unpriced[std::string(models_.name(model))] = true;
    for (auto* b : {&r.total, &r.by_endpoint[std::string(endpoints_.name(ep))],
                    &r.by_model[std::string(models_.name(model))],
                    &r.by_workspace[std::string(workspaces_.name(ws))]}) {
      b->totals += t;
      b->cost_usd += usd;
    }
  }
  for (auto& [m, _] : unpriced) r.unpriced_models.push_back(m);
  return r;
}

namespace {
const char* kWhat[] = {"requests", "tokens", "usd"};

std::string human_seconds(double s) {
  char b[32];
  if (s < 120) std::snprintf(b, sizeof b, "%.0f s", s);
  else if (s < 7200) std::snprintf(b, sizeof b, "%.0f min", s / 60);
  else if (s < 172800) std::snprintf(b, sizeof b, "%.1f h", s / 3600);
  else std::snprintf(b, sizeof b, "%.1f days", s / 86400);
  return b;
}
}  // namespace

void Tracker::evaluate() {
  std::lock_guard lock(tick_mu_);
  tick();
}

void Tracker::tick() {
  drain_pending();  // exchanges record_soon left: this evaluation counts them
  int64_t now = now_ms();
  // Read before the counts: a budget a recording thread exhausts after this (with a call these
  // counts miss) is not set back by this evaluation (see the budget status below).
  const uint64_t crossings = budget_crossings_.load(std::memory_order_seq_cst);
  TickScratch& x = tick_scratch_;
  if (x.amounts.empty()) {
    x.amounts.resize(InternTable::kCapacity + 1);
    x.active.resize(InternTable::kCapacity + 1);
  }
  for (uint32_t e : x.entities) {
    x.amounts[e] = {};
    x.active[e] = 0;
  }
  x.entities.clear();
  const auto activate = [&x](uint32_t e) {
    if (!x.active[e]) x.entities.push_back(e);
    x.active[e] = 1;
  };
  activate(0);
  std::vector<std::pair<uint64_t, Totals>>& cells = x.cells;
  collect(cells);
  if (cfg_.after_counts_read) cfg_.after_counts_read();
  std::vector<Amounts>& amounts = x.amounts;
  for (auto& [key, t] : cells) {
    uint32_t ws = key_ws(key), model = key_model(key);
    bool up = false;
    double usd = cell_cost(model, t, &up);
    if (up && !unpriced_alerted_[model].exchange(true) &&
        (!shared_ || shared_->claim_once("unpriced_model|" + std::string(models_.name(model))))) {
      std::string m(models_.name(model));
      emit("unpriced_model", workspaces_.name(ws), status(workspaces_.name(ws)), status(workspaces_.name(ws)), m,
           "model '" + m + "' has usage but no price in the pricing table; its cost is not counted (add it to rules/pricing.toml)");
    }
    Amounts a{static_cast<double>(t.v[kRequests]), static_cast<double>(t.tokens()), usd,
              static_cast<double>(t.v[kServerErrors])};
    amounts[0] += a;
    amounts[ws + 1] += a;
    activate(ws + 1);
  }
  // Workspaces known only from the history (no call yet in this process) still count.
  workspaces_.for_each([&](uint32_t i) { activate(i + 1); });
  std::sort(x.entities.begin(), x.entities.end());  // (alerts in the order of a full sweep)
  for (uint32_t e : x.entities) windows_->update(e, amounts[e], now);

  for (const uint32_t e : x.entities) {
    WsState& s = e == 0 ? *global_ : states_[e - 1];
    std::string_view name = e == 0 ? std::string_view("*") : workspaces_.name(static_cast<uint32_t>(e - 1));
    const Limits& lim = e == 0 ? cfg_.global : cfg_.limits_for(name);
    auto status_now = [&] { return e == 0 ? status({}) : effective_for(static_cast<uint32_t>(e - 1), now); };
    // Shared: the host's budget status, read before the counts it is judged against (a budget
    // crossed meanwhile by a recording process is then not undone by this stale view).
    const int slot = entity_slot(e);
    const Status host_budget = slot >= 0 ? shared_->budget(slot) : Status::normal;
    // Budgets: the worst ratio over every limit decides.
    double worst = 0;
    int worst_wp = -1;
    std::string worst_name;
    for (int p = 0; p < kPeriods; ++p) {
      Amounts used = used_now(e, p, now);
      const double* lims[] = {lim.requests, lim.tokens, lim.usd};
      for (int w = 0; w < 3; ++w) {
        double l = lims[w][p];
        if (l < 0) continue;
        double ratio = l == 0 ? (used.get(w) > 0 ? 1.0 : 0.0) : used.get(w) / l;
        if (ratio > worst) {
          worst = ratio;
          worst_wp = w * kPeriods + p;
          worst_name = std::string(kWhat[w]) + "_per_" + period_name(p);
        }
        // Burn-rate projection: warn once per period before the budget runs out.
        if (p == kMinute || l <= 0 || ratio >= cfg_.warning) continue;
        double rate = windows_->rate(e, 300).get(w);
        double left = Windows::seconds_left(p, now);
        if (rate <= 0 || used.get(w) + rate * left < l) continue;
        int64_t period = Windows::period_index(p, now);
        if (s.budget_forecast_period[p].exchange(period) == period) continue;
        char event[200];
        std::snprintf(event, sizeof event, "forecast|%.*s|%d|%d|%lld", static_cast<int>(name.size()), name.data(), w, p,
                      static_cast<long long>(period));
        if (shared_ && !shared_->claim_once(event)) continue;  // announced by another process of the host
        double runs_out = (l - used.get(w)) / rate;
        char msg[240];
        std::snprintf(msg, sizeof msg, "at the current rate the %s budget (%g) runs out in ~%s, before the %s ends (used %.4g)",
                      (std::string(kWhat[w]) + "_per_" + period_name(p)).c_str(), l, human_seconds(runs_out).c_str(),
                      period_name(p), used.get(w));
        const Status st = status_now();
        emit("forecast", name, st, st, std::string(kWhat[w]) + "_per_" + period_name(p), msg);
      }
    }
    Status b = worst >= 1.0 ? Status::exhausted : worst >= cfg_.critical ? Status::critical
               : worst >= cfg_.warning ? Status::warning : Status::normal;
    // A budget used up stays so until its period ends (or reset()): this evaluation's counts may
    // predate the crossing (another host's, heard over pub/sub before the next fleet sync).
    if (slot >= 0 && host_budget == Status::exhausted && b != Status::exhausted) {
      const int wp = shared_->budget_what_period(slot);
      const int period = wp >= 0 ? wp % kPeriods : kDay;
      if (Windows::period_index(period, shared_->budget_since_ms(slot)) == Windows::period_index(period, now))
        b = Status::exhausted;
    }
    // This process's status: exhausted by a recording thread since the counts were read (this
    // view is a call short), it stays so until the next evaluation, which sees that call. A
    // compare-exchange, so a crossing between the read and the write is not overwritten either.
    uint8_t previous = s.budget.load(std::memory_order_seq_cst);
    const auto crossed_since = [&] { return budget_crossings_.load(std::memory_order_seq_cst) != crossings; };
    Status mine = b;
    do {
      mine = previous == static_cast<uint8_t>(Status::exhausted) && crossed_since() ? Status::exhausted : b;
    } while (!s.budget.compare_exchange_weak(previous, static_cast<uint8_t>(mine), std::memory_order_seq_cst));
    b = mine;
    if (slot >= 0 && !shared_->set_budget(slot, host_budget, b, now, worst_wp)) {
      b = shared_->budget(slot);
      s.budget.store(static_cast<uint8_t>(b), std::memory_order_seq_cst);
    }
    if (previous != static_cast<uint8_t>(b) && b == Status::exhausted) {
      std::lock_guard lock(s.budget_mu);
      s.budget_since_ms = now;
      s.budget_name = worst_name;
    }
    rebase_budget(s, lim, e);  // what recording threads may add before the next evaluation
    // Degraded: most requests of the last minute failed on the server side or in transit.
    Amounts minute = used_now(e, kMinute, now);
    s.degraded.store(minute.requests >= 5 && minute.server_errors * 2 >= minute.requests, std::memory_order_relaxed);
    // Rate-limit forecast from x-ratelimit-remaining-* and the recent request rate.
    int64_t seen = s.rl_seen_ms.load(std::memory_order_relaxed);
    if (seen && now - seen < 10000 && now - s.forecast_alert_ms.load() > 30000) {
      Amounts rate = windows_->rate(e, 10);
      int64_t rem_r = s.rl_remaining_requests.load(), rem_t = s.rl_remaining_tokens.load();
      int64_t reset_r = s.rl_reset_requests_ms.load(), reset_t = s.rl_reset_tokens_ms.load();
      char msg[240] = {};
      if (rem_r >= 0 && rate.requests > 0 && reset_r > 0 && rem_r / rate.requests < reset_r / 1000.0)
        std::snprintf(msg, sizeof msg, "requests exhausted in ~%.0f s at this rate (%lld remaining, %.1f req/s, limit resets in %.1f s)",
                      rem_r / rate.requests, static_cast<long long>(rem_r), rate.requests, reset_r / 1000.0);
      else if (rem_t >= 0 && rate.tokens > 0 && reset_t > 0 && rem_t / rate.tokens < reset_t / 1000.0)
        std::snprintf(msg, sizeof msg, "tokens exhausted in ~%.0f s at this rate (%lld remaining, %.0f tok/s, limit resets in %.1f s)",
                      rem_t / rate.tokens, static_cast<long long>(rem_t), rate.tokens, reset_t / 1000.0);
      char event[120];
      std::snprintf(event, sizeof event, "rl-forecast|%.*s|%lld", static_cast<int>(name.size()), name.data(),
                    static_cast<long long>(now / 30000));
      if (msg[0] && (!shared_ || shared_->claim_once(event))) {
        s.forecast_alert_ms.store(now);
        const Status st = status_now();
        emit("forecast", name, st, st, "x-ratelimit-remaining", msg);
      }
    }
    publish(e, now, b >= Status::warning ? worst_name.c_str() : "evaluation", true);
  }
  note_api_clean(now);  // a rate limit run out, an account cleared: check()'s fast path again
}

bool Tracker::budgeted() const {
  bool any = cfg_.global.any() || cfg_.default_workspace.any();
  for (const auto& [name, lim] : cfg_.workspaces) any = any || lim.any();
  return any;
}

int Tracker::busy_eval_ms() const {
  // Only budgets need the short period (their warnings within ~10 ms, and rebase_budget's view
  // of what recording threads may still add). Without one, what an evaluation finds (the
  // degraded state over a minute, forecasts over 10 s or more) is not news 10 ms sooner, and
  // each wake costs this thread ~90 µs on a 2-core VM (docs/tracker.md, "Seventh pass").
  return budgeted() ? kBusyEvalMs : std::max(kBusyEvalMs, cfg_.tick_ms);
}

void Tracker::run_ticker() {
  // At once on the first call after a quiet spell, then every busy_eval_ms() while calls keep
  // coming (with a budget, warnings within ~10 ms), and every tick_ms regardless (rate-limit
  // expiry, forecasts, the sliding minute). Quiet, the thread sleeps until its tick or that first
  // call: polling every 2 ms cost 60-80 µs of this thread's CPU per request under traffic, and
  // 500 wakes a second in every idle process (docs/tracker.md, "The evaluation thread").
  const auto busy = std::chrono::milliseconds(busy_eval_ms());
  const auto tick = std::chrono::milliseconds(cfg_.tick_ms);
  auto last = std::chrono::steady_clock::now();
  while (!stopping_.load(std::memory_order_acquire)) {
    const auto now = std::chrono::steady_clock::now();
    const bool calls = dirty_.exchange(false, std::memory_order_seq_cst);
    if (calls || now - last >= tick) {
      evaluate();
      last = now;
    }
    if (calls) {  // more are likely: look again after `busy`, unwoken by them (shutdown wakes it)
      busy_idle_.sleep_unless([this] { return stopping_.load(std::memory_order_seq_cst); }, busy);
      continue;
    }
    const auto until_tick = std::chrono::duration_cast<std::chrono::milliseconds>(last + tick - std::chrono::steady_clock::now());
    idle_.sleep_unless([this] { return dirty_.load(std::memory_order_seq_cst) || stopping_.load(std::memory_order_seq_cst); },
                       std::max(until_tick, std::chrono::milliseconds(1)));
  }
}

}  // namespace qg::tracker
