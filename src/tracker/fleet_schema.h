// What the fleet keeps on Redis, by name (docs/shared-state.md#fleet): the keys under a
// namespace, the hash fields of a count, and the event lines published on `<ns>:events` and
// kept under `<ns>:keep:*`. The trackers write them (fleet.cpp, fleet_sync.cpp, budgets.cpp);
// `quotaguard serve` reads them (src/serve/fleet_reader.cpp). One definition for both.
#pragma once
#include <cstdint>
#include <string>

#include "shared_state.h"
#include "types.h"

namespace qg::tracker::fleet_schema {

// The pipelined read of one count key (redisAppendCommand format; %b: the key): its fields in
// SharedAmount order, requests, tokens, micro-dollars, server errors (fleet.cpp's script writes them).
inline constexpr const char* kReadCounts = "HMGET %b r t u e";

// <ns>:use:<entity>:<minute|day|month>:<period index>  (entity: "*" or a workspace)
std::string use_key(const std::string& ns, const std::string& entity, int period, int64_t index);
// <ns>:counted:month:<month index>: a hash whose fields are the workspaces (not "*") any tracker
// counted in that month (each batch adds 1 to its rows' fields; same TTL as the month's counts),
// so that a reader lists every workspace the fleet counted without scanning the keys.
std::string counted_key(const std::string& ns, int64_t month_index);
std::string batch_key(const std::string& ns, const std::string& batch_id);
std::string events_channel(const std::string& ns);
std::string keep_key(const std::string& ns, const std::string& kept);  // kept: "api:<who>"
std::string keep_pattern(const std::string& ns);                        // every kept event
std::string alert_key(const std::string& ns, const std::string& event);
inline std::string api_keep(const std::string& who) { return "api:" + who; }

// Usage over time (docs/shared-state.md#fleet-usage): what each tracker wrote to its history, also
// added to the fleet's buckets in the same batch as its counts. Two resolutions: a hash per UTC
// minute (the history's resolution), kept kUsageMinuteTtl, and one per UTC hour, kept
// kUsageHourTtl; a window is its whole hours from the hour hashes and its edges from the minutes.
//   <ns>:usage:m:<unix minute>, <ns>:usage:h:<unix hour>
// Fields: "<col>\tc\t<workspace>\t<endpoint>\t<model>" (the history's minute rows) and
// "<col>\tk\t<key label>" (its ledger's rows, by API key label); col is one letter of kUsageCols.
// Integers only (HINCRBY): cost in micro-dollars, audio in ms. Never a key, prompt or completion.
inline constexpr int64_t kUsageMinuteTtl = 2 * 86400, kUsageHourTtl = 35 * 86400;  // seconds
// calls, requests, errors, input, cached, output, reasoning, images, audio ms, characters, micro-USD
inline constexpr const char kUsageCols[] = "qrxicogmahu";  // index = column
inline constexpr int kUsageColCount = 11;
std::string usage_minute_key(const std::string& ns, int64_t minute);
std::string usage_hour_key(const std::string& ns, int64_t hour);
std::string usage_cell_field(int col, const std::string& ws, const std::string& endpoint, const std::string& model);
std::string usage_key_field(int col, const std::string& key_label);
struct UsageField {
  int col = 0;
  bool by_key = false;  // a key label row (else a workspace/endpoint/model row)
  std::string workspace, endpoint, model, key_label;
};
bool parse_usage_field(const std::string& field, UsageField& out);  // false: not of this version

// Alerts (one per event per fleet): the process that claims an event also LPUSHes its JSON
// (alert.h's alert_json) to <ns>:alerts, trimmed to the newest kAlertsKept. In the same script
// (fleet.cpp's kAlertScript) it takes the alert's fleet id, INCR <ns>:alerts:seq, and writes it
// first in the JSON ("fleet_id": 1, 2, ...: the list's order is the ids' order, one order for the
// whole fleet), with "origin": the history of the host that raised it (origin_of), and publishes
// alert_event(fleet_id) on <ns>:events so that a `quotaguard serve` hears of it at once.
inline constexpr int kAlertsKept = 1000;
std::string alerts_key(const std::string& ns);
std::string alerts_seq_key(const std::string& ns);
// A host's history as the fleet names it: 16 hex digits of FNV-1a over the host name and the
// history's absolute path (two hosts differ by name; two histories of one machine by path).
std::string origin_of(const std::string& db_path);
std::string alert_event(int64_t fleet_id);                  // "alert\t<fleet id>"
bool parse_alert_event(const std::string& line, int64_t& fleet_id);

// A published message is "<instance>\t<event>" (a process skips its own).
std::string published(const std::string& instance, const std::string& event);
bool split_published(const std::string& message, std::string& instance, std::string& event);

// The events. "api\t<who>\t<status>\t<since_ms>\t<code>\t<message>": what the API said of an
// account ("account:<name>") or a workspace; "budget\t<entity>\t<what * kPeriods + period>": a
// budget used up. Tabs and newlines in the text fields are made spaces.
struct FleetEvent {
  enum class Kind { api, budget } kind = Kind::api;
  std::string who;  // "account:<name>", a workspace, or "*"
  Status status = Status::normal;
  int64_t since_ms = 0;
  std::string code, message;
  int what = 0, period = 0;  // budget: kSharedRequests..kSharedMicroUsd, kMinute..kMonth
};
std::string api_event(const std::string& who, Status status, int64_t since_ms, const std::string& code, const std::string& message);
std::string budget_event(const std::string& entity, int what, int period);
bool parse_event(const std::string& line, FleetEvent& out);  // false: not an event of this version

}  // namespace qg::tracker::fleet_schema
