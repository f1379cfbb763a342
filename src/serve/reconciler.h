// Reconciliation (docs/serve.md#reconciliation): what the tracker saw against what OpenAI billed.
// A thread polls the organization Usage and Costs API (usage_api.h) with an admin key and compares,
// hour by hour and model by model, the billed tokens with the tracked ones (with a fleet, every
// host's: the fleet's hourly usage buckets; else, or Redis away, this host's history); the
// share no tracked client sent is dark traffic, and enough of it in one hour of one model is an
// alert on the live events. Runtime coverage = tracked / billed, with each hour-and-model's tracked
// count capped at what was billed, so that over-counting one model cannot hide another's dark
// traffic.
#pragma once
#include <cstdint>
#include <map>
#include <mutex>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <utility>
#include <vector>

#include "event_log.h"
#include "periodic.h"
#include "usage_api.h"
#include "state_source.h"

namespace qg::serve {

struct ReconcileOptions {
  std::string base_url = "https://api.openai.com/v1";
  std::string admin_key;      // empty: no reconciliation
  int every_s = 300;          // between polls
  int hours = 24;             // how far back each poll compares
  int64_t dark_tokens = 1000;  // untracked tokens in one hour of one model that raise an alert
};

struct HourOfModel {
  int64_t hour_s = 0;
  std::string model;
  int64_t billed_tokens = 0, billed_requests = 0, tracked_tokens = 0, tracked_requests = 0;
  std::vector<std::pair<std::string, int64_t>> keys;  // billed tokens per API key id, most first
  int64_t untracked() const { return billed_tokens > tracked_tokens ? billed_tokens - tracked_tokens : 0; }
};

struct DayCost {
  int64_t day_s = 0;
  double billed_usd = 0, tracked_usd = 0;
};

struct Reconciliation {
  int64_t polled_ms = 0;  // the last good poll (0: none yet)
  std::string error;      // the last poll's failure (the figures stay the last good poll's)
  int64_t error_ms = 0;
  int64_t start_s = 0, end_s = 0;
  std::vector<HourOfModel> hours;  // by hour, then model
  std::vector<DayCost> days;
  // The keys' names and redacted values from the organization's key lists; empty when that
  // list could not be read (names_error says why: the figures do not depend on it).
  std::map<std::string, KeyName> key_names;
  std::string names_error;
  // Where the tracked side comes from (as a usage answer says it): "fleet" (every host's usage
  // buckets) or "history" (this host's); degraded: a fleet is configured but could not be read.
  const char* source = "history";
  bool degraded = false;
  std::string note;
  int64_t billed_tokens() const;
  int64_t covered_tokens() const;  // sum of min(tracked, billed)
  int64_t untracked_tokens() const { return billed_tokens() - covered_tokens(); }
  nlohmann::json keys_json(const HourOfModel& h) const;  // [{api_key_id, name, redacted_value, billed_tokens}]
  std::string key_text(const std::string& id) const;     // "'backend' (sk-...abcd, key_...)", or the id
};

nlohmann::json to_json(const Reconciliation& r, int every_s);

class Reconciler {
 public:
  Reconciler(ReconcileOptions options, StateSource& tracked, EventLog& events);
  ~Reconciler();
  Reconciler(const Reconciler&) = delete;
  Reconciler& operator=(const Reconciler&) = delete;

  void start() { thread_.start(); }  // polls at once, then every `every_s`
  void stop() { thread_.stop(); }
  void poll_once(int64_t now_ms);
  Reconciliation latest() const;
  const ReconcileOptions& options() const { return options_; }

 private:
  void alert_dark_traffic(const Reconciliation& r, int64_t now_ms);
  // The tracked tokens per hour and model, and the tracked cost of each of these days, from one
  // source for the whole poll; sets r's source, degraded and note.
  struct Tracked {
    std::map<int64_t, std::vector<UsageRow>> hours;
    std::map<int64_t, double> day_usd;
  };
  Tracked tracked_side(Reconciliation& r, const std::vector<int64_t>& days);

  const ReconcileOptions options_;
  StateSource& tracked_;
  EventLog& events_;
  mutable std::mutex mu_;
  Reconciliation latest_;
  std::map<std::pair<int64_t, std::string>, int64_t> alerted_;  // (hour, model) -> untracked when last alerted
  Periodic thread_;  // last: stopped first, before what it uses goes
};

}  // namespace qg::serve
