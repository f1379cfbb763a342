#include "event_log.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "api_json.h"
#include "fleet_schema.h"
#include "history_sql.h"

namespace qg::serve {

namespace {
int64_t boot_micros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}
constexpr int kBatch = 5000;
}  // namespace

EventLog::EventLog(StateSource& source, std::chrono::milliseconds poll, std::size_t capacity)
    : source_(source), poll_(poll), capacity_(capacity), first_id_(boot_micros()), next_id_(first_id_) {}

EventLog::~EventLog() { stop(); }

void EventLog::start() {
  // What is already there is the state, not news: events are what changes from here on. (A
  // history that cannot be read yet is news from its first row.)
  try {
    for (const WorkspaceStatus& s : source_.statuses()) status_[s.workspace] = {s.status, s.error_code};
    alert_cursor_ = source_.last_alert_id();
    call_cursor_ = source_.last_call_id();
    fleet_cursor_ = source_.last_fleet_alert_id();
  } catch (const Unavailable&) {
    status_.clear();
    alert_cursor_ = call_cursor_ = 0;
  }
  thread_ = std::thread([this] { run(); });
}

void EventLog::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void EventLog::run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    lock.unlock();
    try {
      poll_once();
    } catch (const std::exception&) {
      // A history being rewritten or locked: the next poll reads it.
    }
    lock.lock();
    cv_.wait_for(lock, poll_, [this] { return stopping_ || woken_; });
    woken_ = false;
  }
}

void EventLog::wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

void EventLog::publish(const char* type, std::string data) {
  {
    std::lock_guard lock(mu_);
    ring_.push_back({++next_id_, type, std::move(data)});
    if (ring_.size() > capacity_) ring_.pop_front();
  }
  cv_.notify_all();
}

// Alerts claimed on other hosts (the fleet's list, in its id order), each once: this host's own are
// the history's (above). Redis is asked only when an alert was announced (FleetReader's seq).
void EventLog::poll_fleet_alerts() {
  const int64_t newest = source_.last_fleet_alert_id();
  if (newest < 0 || newest == fleet_cursor_) return;
  if (fleet_cursor_ < 0 || newest < fleet_cursor_) {  // first known (what is kept is not news), or ids restarted (Redis lost them)
    fleet_cursor_ = fleet_cursor_ < 0 ? newest : 0;
    if (fleet_cursor_ == newest) return;
  }
  const auto kept = source_.fleet_alerts_after(fleet_cursor_, kBatch);
  if (!kept) return;  // Redis away: the next poll after it is back
  for (const AlertRecord& a : *kept) {
    if (!a.this_host) publish("alert", to_json(a).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    fleet_cursor_ = std::max(fleet_cursor_, a.fleet_id);
  }
}

// The fleet's per-second usage: the growth of its minute usage buckets (this minute's and the
// last, which late flushes still add to) since the last read, once a second, as one event of the
// second it was read in (a tracker adds to them after its history flush: within a flush interval
// and a sync of the call). Never the tracker's hot path: serve reads what the trackers' sync
// threads pushed.
bool EventLog::poll_fleet_usage() {
  if (!source_.has_fleet()) return false;
  const int64_t now = boot_micros() / 1000;
  // Between reads, the fleet's events stand for this host's only while Redis is still reachable:
  // calls recorded after it went away will never be in the buckets it would read.
  if (now - fleet_usage_read_ms_ < 1000) return fleet_usage_up_ && source_.fleet_reachable();
  fleet_usage_read_ms_ = now;
  auto read = source_.fleet_usage_minutes(now / 60000 - 1, now / 60000);
  if (!read) {
    fleet_usage_.clear();
    return fleet_usage_up_ = false;
  }
  const bool baseline = !fleet_usage_up_;
  fleet_usage_up_ = true;
  const int64_t newest_seen = fleet_usage_.empty() ? INT64_MAX : fleet_usage_.rbegin()->first;
  int64_t calls = 0, errors = 0, input = 0, output = 0, micro_usd = 0;
  std::map<std::string, int64_t> by_workspace, by_model, by_key;
  for (const auto& [minute, fields] : *read) {
    const auto before = fleet_usage_.find(minute);
    if (baseline || (before == fleet_usage_.end() && minute <= newest_seen)) continue;  // not read before: not news
    for (const auto& [name, amount] : fields) {
      int64_t delta = amount;
      if (before != fleet_usage_.end())
        if (const auto was = before->second.find(name); was != before->second.end()) delta -= was->second;
      tracker::fleet_schema::UsageField f;
      if (delta <= 0 || !tracker::fleet_schema::parse_usage_field(name, f)) continue;
      if (f.by_key) {
        if (f.col == 1) by_key[f.key_label] += delta;
        continue;
      }
      switch (f.col) {
        case 1: calls += delta, by_workspace[f.workspace] += delta, by_model[f.model] += delta; break;
        case 2: errors += delta; break;
        case 3: input += delta; break;
        case 5: output += delta; break;
        case 10: micro_usd += delta; break;
        default: break;
      }
    }
  }
  fleet_usage_ = std::move(*read);
  if (calls || errors || input || output || micro_usd)
    publish("usage", nlohmann::json{{"second_ms", now / 1000 * 1000}, {"calls", calls}, {"errors", errors}, {"input_tokens", input},
                                    {"output_tokens", output}, {"cost_usd", static_cast<double>(micro_usd) * 1e-6},
                                    {"by_workspace", by_workspace}, {"by_model", by_model}, {"by_key", by_key}, {"source", "fleet"}}
                         .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  return true;
}

void EventLog::poll_once() {
  // Alerts first: a status change's alert precedes the status event that the UI turns red on.
  for (auto batch = source_.alerts_after(alert_cursor_, kBatch); !batch.empty();
       batch = source_.alerts_after(alert_cursor_, kBatch)) {
    for (const AlertRecord& a : batch) publish("alert", to_json(a).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    alert_cursor_ = batch.back().id;
  }
  poll_fleet_alerts();
  // A change of status, or of its cause: the history may hold the new status a flush before the
  // alert that says why, so the reason can follow in a second event with the same status.
  for (const WorkspaceStatus& s : source_.statuses()) {
    auto [it, fresh] = status_.try_emplace(s.workspace, Seen{"normal", ""});
    if (!fresh && it->second.status == s.status && it->second.error_code == s.error_code) continue;
    if (fresh && s.status == "normal") continue;  // a new workspace that is fine is not news
    nlohmann::json data = to_json(s);
    data["previous"] = it->second.status;
    it->second = {s.status, s.error_code};
    publish("status", data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  // Per-second usage: the fleet's (every host's) while its Redis can be read; else the calls this
  // host recorded since the last poll, summed per second they were made (its ledger read anyway,
  // so that the host's events resume from now when Redis goes away).
  const bool fleet_usage = poll_fleet_usage();
  for (auto batch = source_.calls_after(call_cursor_, kBatch); !batch.empty();
       batch = source_.calls_after(call_cursor_, kBatch)) {
    std::map<int64_t, nlohmann::json> seconds;
    for (const CallRecord& c : batch) {
      nlohmann::json& s = seconds[c.ts_ms / 1000];
      if (s.is_null())
        s = {{"second_ms", c.ts_ms / 1000 * 1000}, {"calls", 0}, {"errors", 0}, {"blocked", 0}, {"input_tokens", 0},
             {"output_tokens", 0}, {"cost_usd", 0.0}, {"by_workspace", nlohmann::json::object()},
             {"by_model", nlohmann::json::object()}, {"by_key", nlohmann::json::object()},
             {"source", "host"}};  // this host's ledger (docs/serve.md#fleet)
      if (c.blocked) {  // stopped before it was sent: not a call to the API
        s["blocked"] = s["blocked"].get<int64_t>() + 1;
        continue;
      }
      const bool error = c.http_status >= 400 || c.http_status == 0;
      s["calls"] = s["calls"].get<int64_t>() + 1;
      s["errors"] = s["errors"].get<int64_t>() + (error ? 1 : 0);
      s["input_tokens"] = s["input_tokens"].get<int64_t>() + c.input_tokens;
      s["output_tokens"] = s["output_tokens"].get<int64_t>() + c.output_tokens;
      s["cost_usd"] = s["cost_usd"].get<double>() + c.cost_usd;
      const std::string key_label = c.api_key.empty() ? tracker::kNoKeyLabel : c.api_key;
      for (auto [field, key] : {std::pair{"by_workspace", &c.workspace}, std::pair{"by_model", &c.model},
                                std::pair{"by_key", &key_label}}) {
        nlohmann::json& n = s[field][*key];
        n = (n.is_null() ? 0 : n.get<int64_t>()) + 1;
      }
    }
    if (!fleet_usage)
      for (auto& [second, data] : seconds) publish("usage", data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    call_cursor_ = batch.back().id;
  }
}

EventLog::Batch EventLog::after(int64_t after_id, std::chrono::milliseconds wait) {
  std::unique_lock lock(mu_);
  auto newer = [&] { return stopping_ || (!ring_.empty() && ring_.back().id > after_id); };
  if (!newer()) cv_.wait_for(lock, wait, newer);
  Batch b;
  // The oldest id a client may hold and still get everything after it.
  const int64_t floor = ring_.empty() ? first_id_ : ring_.front().id - 1;
  b.gap = after_id >= 0 && (after_id < floor || after_id > next_id_);
  for (const Event& e : ring_)
    if (b.gap || e.id > after_id) b.events.push_back(e);
  return b;
}

int64_t EventLog::last_id() {
  std::lock_guard lock(mu_);
  return next_id_;
}

bool parse_event_id(std::string_view text, int64_t& out) {
  if (text.empty() || text.size() > 18) return false;
  out = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  return true;
}

std::vector<Event> EventCursor::next(std::chrono::milliseconds wait) {
  std::vector<Event> out;
  if (hello_) {
    hello_ = false;
    out.push_back({after_, "hello", "{\"last_event_id\":" + std::to_string(after_) + "}"});
  }
  EventLog::Batch b = log_.after(after_, out.empty() ? wait : std::chrono::milliseconds(0));
  if (b.gap) out.push_back({-1, "reset", "{\"reason\":\"events after the last id are no longer kept: re-read the state\"}"});
  for (Event& e : b.events) {
    after_ = e.id;
    out.push_back(std::move(e));
  }
  if (out.empty()) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch());
    out.push_back({-1, "heartbeat", "{\"ts_ms\":" + std::to_string(ms.count()) + "}"});
  }
  return out;
}

}  // namespace qg::serve
