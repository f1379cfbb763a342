// What `quotaguard serve` reads: statuses, usage, alerts and the per-call ledger. One interface
// so that the server does not care where they live (the SQLite history today; the host's shared
// state and the fleet's Redis plug in behind it).
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace qg::serve {

struct WorkspaceStatus {
  std::string workspace;  // "*" = every workspace; "account:NAME" = one API account
  std::string status;     // normal | warning | degraded | critical | rate_limited | exhausted
  int64_t since_ms = 0, updated_ms = 0;
  // The status alert that put it there (empty when none is recorded).
  std::string reason, error_code;
};

struct UsageTotals {
  double calls = 0, requests = 0, errors = 0, input_tokens = 0, cached_tokens = 0, output_tokens = 0,
         reasoning_tokens = 0, images = 0, audio_seconds = 0, characters = 0, cost_usd = 0;
  void add(const UsageTotals& o);
};

struct UsageRow {
  std::string key;  // the workspace, endpoint, endpoint family, model or API key label
  UsageTotals totals;
};

// Where a usage answer comes from: "history" (this host's), or "fleet" (every host's, on Redis);
// degraded: a fleet is configured but could not answer (note says why).
struct UsageAnswer {
  std::vector<UsageRow> rows;
  const char* source = "history";
  bool degraded = false;
  std::string note;
};

struct AlertRecord {
  int64_t id = 0;  // increasing; stable across restarts of the server (0: the fleet's, not this host's)
  int64_t ts_ms = 0;
  std::string kind, workspace, status, previous, code, message;
  const char* source = "host";  // "host": this host's history; "fleet": another host's, from Redis
  int64_t fleet_id = 0;  // its id on the fleet's alert list (fleet_schema.h; 0: not on it, or no fleet)
  bool this_host = false;  // a fleet record raised by this host's trackers (its history has it too)
};

// One tracked call (the history's audit ledger): ids and numbers only.
struct CallRecord {
  int64_t id = 0, ts_ms = 0;
  std::string workspace, endpoint, model, error_code;
  int http_status = 0;  // 0: no HTTP answer (blocked by policy, or a transport error)
  bool blocked = false;  // stopped by quotaguard before it was sent (not a request)
  int64_t input_tokens = 0, cached_tokens = 0, output_tokens = 0, reasoning_tokens = 0;
  double latency_ms = 0, cost_usd = 0;
  std::string api_key;  // its key's label ("sk-proj-...wxyz"; "" when none, or a history from before labels)
};

struct SourceHealth {
  bool readable = false;
  std::string detail;                  // why not, when not
  std::optional<int64_t> last_flush_ms;  // the tracker's last write
  std::optional<int64_t> flush_interval_ms;
  std::optional<std::string> live_state;  // the host's shared state, when statuses come from it
};

// Group keys for usage(): the history's columns, and "family" (endpoint family, from the endpoint).
enum class UsageKey { workspace, endpoint, family, model, key };

// The state cannot be read (yet): the server answers 503, never an empty "all is well".
struct Unavailable : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class StateSource {
 public:
  virtual ~StateSource() = default;
  virtual std::vector<WorkspaceStatus> statuses() = 0;
  // Usage over [since_ms, until_ms] (the history keeps minutes: minute resolution).
  virtual std::vector<UsageRow> usage(UsageKey by, int64_t since_ms, int64_t until_ms) = 0;
  // The same, saying where it comes from (the fleet's when there is one).
  virtual UsageAnswer usage_answer(UsageKey by, int64_t since_ms, int64_t until_ms) { return {usage(by, since_ms, until_ms)}; }
  // Usage of one workspace ("*": all) over [since_ms, until_ms].
  virtual UsageTotals usage_of(const std::string& workspace, int64_t since_ms, int64_t until_ms) = 0;
  // Alerts with id > after_id, oldest first, at most limit.
  virtual std::vector<AlertRecord> alerts_after(int64_t after_id, int limit) = 0;
  virtual std::vector<AlertRecord> recent_alerts(int limit) = 0;  // newest first
  virtual std::vector<CallRecord> calls_after(int64_t after_id, int limit) = 0;  // oldest first
  virtual int64_t last_alert_id() = 0;
  virtual int64_t last_call_id() = 0;
  virtual SourceHealth health() = 0;  // never throws
  // The fleet's alerts with fleet_id > after, oldest first, at most limit; nullopt: no fleet, or
  // its Redis cannot be read. The newest fleet id known (-1: none known yet).
  virtual std::optional<std::vector<AlertRecord>> fleet_alerts_after(int64_t, int) { return std::nullopt; }
  virtual int64_t last_fleet_alert_id() { return -1; }
  // The fleet's usage buckets of the minutes [first, last] (Unix minutes), each as kept: field ->
  // amount (fleet_schema.h), for the live per-second usage. nullopt: no fleet, or its Redis
  // cannot be read. has_fleet: a fleet is configured (reachable or not); fleet_reachable: its
  // Redis answered last time it was asked (no round trip).
  virtual std::optional<std::map<int64_t, std::map<std::string, int64_t>>> fleet_usage_minutes(int64_t, int64_t) { return std::nullopt; }
  virtual bool has_fleet() { return false; }
  virtual bool fleet_reachable() { return false; }
};

// Answers everything from another source: the base of a source that changes some answers of it
// (LiveSource: statuses from the shared state; FleetSource: the fleet's on top).
class ForwardingSource : public StateSource {
 public:
  explicit ForwardingSource(StateSource& inner) : inner_(inner) {}
  std::vector<WorkspaceStatus> statuses() override { return inner_.statuses(); }
  std::vector<UsageRow> usage(UsageKey by, int64_t since_ms, int64_t until_ms) override { return inner_.usage(by, since_ms, until_ms); }
  UsageAnswer usage_answer(UsageKey by, int64_t since_ms, int64_t until_ms) override { return inner_.usage_answer(by, since_ms, until_ms); }
  UsageTotals usage_of(const std::string& workspace, int64_t since_ms, int64_t until_ms) override {
    return inner_.usage_of(workspace, since_ms, until_ms);
  }
  std::vector<AlertRecord> alerts_after(int64_t after_id, int limit) override { return inner_.alerts_after(after_id, limit); }
  std::vector<AlertRecord> recent_alerts(int limit) override { return inner_.recent_alerts(limit); }
  std::vector<CallRecord> calls_after(int64_t after_id, int limit) override { return inner_.calls_after(after_id, limit); }
  int64_t last_alert_id() override { return inner_.last_alert_id(); }
  int64_t last_call_id() override { return inner_.last_call_id(); }
  SourceHealth health() override { return inner_.health(); }
  std::optional<std::vector<AlertRecord>> fleet_alerts_after(int64_t after, int limit) override { return inner_.fleet_alerts_after(after, limit); }
  int64_t last_fleet_alert_id() override { return inner_.last_fleet_alert_id(); }
  std::optional<std::map<int64_t, std::map<std::string, int64_t>>> fleet_usage_minutes(int64_t first, int64_t last) override {
    return inner_.fleet_usage_minutes(first, last);
  }
  bool has_fleet() override { return inner_.has_fleet(); }
  bool fleet_reachable() override { return inner_.fleet_reachable(); }

 protected:
  StateSource& inner_;
};

}  // namespace qg::serve
