// One live state for every process on a host that shares a history (or a named state): a
// memory-mapped file of atomic counters and statuses beside the history db. Design and why:
// docs/shared-state.md. The recording path adds with compare-and-swap loops (no lock, no
// allocation, no system call); a process that dies at any point holds nothing others wait for.
//
// Read API (for `quotaguard status --db`, `quotaguard serve`): SharedState::open_read(path), the
// path being Config::shared_state_path() (`<db>.state` for a history db), then snapshot(now_ms):
// a copy of every entity's status and budget windows, taken without a lock.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tracker_config.h"
#include "types.h"

namespace qg::tracker {

// The amounts counted per entity and period; usd in micro-dollars.
enum SharedAmount { kSharedRequests = 0, kSharedTokens, kSharedMicroUsd, kSharedServerErrors, kSharedAmounts };

// Windows::period_index without the calendar call on the hot path (the month is kept per thread
// for the day it was computed in).
int64_t period_index_fast(int period, int64_t now_ms);

// Integer units of an amount (micro-dollars for usd), as the segment and Redis count them.
uint64_t shared_units(int what, double v);
double shared_from_units(int what, uint64_t units);

// What the API last said of an account (quota_scope "global") or a workspace, as shared.
struct SharedApiStatus {
  uint64_t epoch = 0;               // 0: never set; grows with every change on the host
  Status status = Status::normal;   // normal | rate_limited | exhausted
  int64_t since_ms = 0, rate_limited_until_ms = 0;
  std::string code, message;
};

// One entity of a snapshot: "*" (global), a workspace, or "account:<name>".
struct SharedEntity {
  std::string name;
  Status status = Status::normal;   // the last status announced on this host (one alert each)
  int64_t since_ms = 0;             // when that status began
  std::string reason;               // why it changed (e.g. "insufficient_quota", "requests_per_day")
  Status budget = Status::normal;   // what the budgets alone say
  int64_t budget_since_ms = 0;
  std::string budget_name;          // "requests_per_day": the limit used up (budget exhausted)
  SharedApiStatus api;
  double used[kPeriods][kSharedAmounts] = {};  // this UTC minute / day / month; usd in dollars
};

struct SharedSnapshot {
  int64_t taken_ms = 0, created_ms = 0;
  std::string path;
  std::vector<SharedEntity> entities;  // "*" first, then by name
};

class SharedState {
 public:
  static constexpr int kSlots = 1024;          // entities per segment (workspaces + accounts + "*")
  static constexpr uint32_t kVersion = 1;

  // Opens (creating and sizing it under an exclusive flock if needed) the segment at `path`.
  // `seed` runs once, when the segment is made, before any other process can use it (the
  // history's day and month so far). Throws std::runtime_error with a clear message.
  static std::unique_ptr<SharedState> open(const std::string& path, const std::function<void(SharedState&)>& seed);
  // Read-only (no lock, never creates); nullptr if absent. Throws if it is not a segment.
  static std::unique_ptr<SharedState> open_read(const std::string& path);
  ~SharedState();
  SharedState(const SharedState&) = delete;
  SharedState& operator=(const SharedState&) = delete;

  // The entity's slot, claimed on first use (no allocation); -1 when the segment is full.
  int slot(std::string_view name);
  int find(std::string_view name) const;

  // Adds to the current minute, day and month (a new period starts from zero); returns the
  // totals after the add in `after` (may be null).
  void add(int slot, const double (&amount)[kSharedAmounts], int64_t now_ms,
           double (*after)[kSharedAmounts] = nullptr);
  void add_to_period(int slot, int period, const double (&amount)[kSharedAmounts], int64_t now_ms);  // seeding
  double used(int slot, int period, int what, int64_t now_ms) const;

  // Budget status of an entity as crossed by a recording process or set by an evaluation.
  Status budget(int slot) const;
  // Sets it if it still is `expected` (an evaluation's view may be stale); returns success.
  bool set_budget(int slot, Status expected, Status now, int64_t since_ms, int what_period);
  // Raises it to exhausted; true if this call did (the one process that announces it).
  bool exhaust_budget(int slot, int what_period, int64_t since_ms);
  int64_t budget_since_ms(int slot) const;
  int budget_what_period(int slot) const;  // what * kPeriods + period; -1: none

  // API status: `publish_api` records a change and returns its epoch; `api` reads the latest
  // (false if a writer is mid-way; the caller keeps its own view until the next read).
  // `previous` receives the status it replaced (the first to exhaust announces a failover).
  uint64_t publish_api(int slot, Status st, int64_t since_ms, int64_t until_ms, std::string_view code,
                       std::string_view message, Status* previous = nullptr);
  uint64_t api_epoch(int slot) const;
  bool api(int slot, SharedApiStatus& out) const;
  // One probe per host: claims the probe slot if `last` is still the stored value.
  std::atomic<int64_t>& last_probe_ms(int slot);

  // The status announced on this host: the caller that moves it from `expected` announces.
  Status published(int slot) const;
  bool publish(int slot, Status expected, Status now, int64_t now_ms, std::string_view reason);

  // True exactly once per event on the host (a forecast in one period, an unpriced model).
  bool claim_once(std::string_view event);

  SharedSnapshot snapshot(int64_t now_ms) const;
  const std::string& path() const { return path_; }

  struct Segment;

 private:
  void add_periods(int slot, int from, int to, const double (&amount)[kSharedAmounts], int64_t now_ms,
                   double (*after)[kSharedAmounts]);
  SharedState(std::string path, Segment* seg, std::size_t size, bool writable)
      : path_(std::move(path)), seg_(seg), size_(size), writable_(writable) {}
  std::string path_;
  Segment* seg_;
  std::size_t size_;
  bool writable_;
};

}  // namespace qg::tracker
