// Tracker configuration: a TOML file (quotaguard-tracker.toml, see docs/tracker.md) or the
// same structure as JSON (what the Python package hands over after merging overrides).
#pragma once
#include <map>
#include <memory>
#include <string>

#include "clock.h"

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
  std::string on_exhausted = "raise";  // raise | fallback | allow
  std::string fallback_model;
  std::string pricing_path;         // empty: the embedded rules/pricing.toml
  double warning = 0.80, critical = 0.95;
  Limits global, default_workspace;
  std::map<std::string, Limits> workspaces;
  std::string alerts_jsonl, webhook_url;
  int webhook_timeout_ms = 2000;
  int alert_queue = 1024;
  int tick_ms = 50;                 // evaluation period when idle; 2 ms after new calls
  std::shared_ptr<const Clock> clock;  // not read from a file; null: the system clock
};

bool parse_config_json(const std::string& json, Config& out, std::string& error);
bool load_config_file(const std::string& path, Config& out, std::string& error);

}  // namespace qg::tracker
