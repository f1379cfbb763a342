// Tracker configuration: a TOML file (quotaguard-tracker.toml, see docs/tracker.md) and/or the
// same structure as JSON (the Python package's keyword overrides).
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "clock.h"
#include "route_config.h"

namespace qg::tracker {

enum Period { kMinute = 0, kDay = 1, kMonth = 2, kPeriods = 3 };
const char* period_name(int p);

struct Limits {
  double requests[kPeriods] = {-1, -1, -1};  // -1 = no limit
  double tokens[kPeriods] = {-1, -1, -1};
  double usd[kPeriods] = {-1, -1, -1};
  bool any() const;
};

struct Config {
  std::string db_path;              // empty: in memory only
  int flush_interval_ms = 1000;     // crash loss window of the history
  bool ledger = true;               // per-call audit rows
  bool quota_scope_global = true;   // an insufficient_quota blocks every workspace (one key)
  int exhausted_probe_s = 0;        // >0: let one call through every N s to detect recovery
  std::string on_exhausted = "raise";  // raise | failover | allow (what an exhausted account does)
  std::string fallback_model;       // when a budget is used up: send with this model instead
  std::vector<std::string> accounts;  // failover accounts by name, in order (credentials stay in Python)
  std::string pricing_path;         // empty: the embedded rules/pricing.toml
  double warning = 0.80, critical = 0.95;
  Limits global, default_workspace;
  std::map<std::string, Limits, std::less<>> workspaces;
  const Limits& limits_for(std::string_view workspace) const {  // its own, else the default
    auto it = workspaces.find(workspace);
    return it != workspaces.end() ? it->second : default_workspace;
  }
  std::string alerts_jsonl, webhook_url;
  int webhook_timeout_ms = 2000;
  std::vector<RouteConfig> alert_routes;  // [[alerts.routes]], then `webhook` as one more
  std::string dead_letter;                // alerts a route gave up on (JSONL); empty: counted only
  int alert_queue = 1024;
  int tick_ms = 50;                 // evaluation period when idle (and busy, without budgets)
  // One live state for every process of the host (docs/shared-state.md): "host" shares it
  // beside the db (or in `state`), "process" keeps it to this process.
  bool share_host = true;
  std::string state;                // a name (/dev/shm/quotaguard-NAME.state) or a path
  std::string shared_state_path() const;  // empty: per process
  // Across hosts (docs/shared-state.md#fleet): budgets and status on a Redis server.
  std::string redis;                // redis://[[user]:password@]host[:port][/db]; empty: none
  std::string redis_namespace = "quotaguard";  // key prefix (one per fleet)
  int redis_sync_ms = 5;            // batches pushed this often: the overshoot bound's interval
  std::shared_ptr<const Clock> clock;  // not read from a file; null: the system clock
  // Tests only (not read from a file): runs inside an evaluation just after it read the counts,
  // where a call recorded meanwhile is one the evaluation misses.
  std::function<void()> after_counts_read;
};

// Reads a config file (TOML; may be empty) and keyword overrides (JSON of the same structure;
// may be empty), the overrides winning. Every key and type is checked against the schema:
// errors say where, "file:line: unknown key 'usd_per_dya' in [budgets.global]; did you mean
// 'usd_per_day'?" or "configure(budgets=...): ...". Relative paths in the file are relative to
// it. On success `effective` is the merged configuration as JSON.
bool load_config(const std::string& path, const std::string& overrides_json, Config& out, std::string& effective,
                 std::string& error);
bool load_config_file(const std::string& path, Config& out, std::string& error);
bool parse_config_json(const std::string& json, Config& out, std::string& error);  // overrides only

}  // namespace qg::tracker
