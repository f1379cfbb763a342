#include "reconciler.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <nlohmann/json.hpp>
#include <optional>

#include "usage_api.h"

namespace qg::serve {

namespace {

constexpr int64_t kHour = 3600, kDay = 86400;

// The Usage API names the model snapshot that served ("gpt-4o-2024-08-06"); a tracker may have
// recorded the same or the alias asked for: the same model when one is the other plus "-suffix".
bool same_model(const std::string& billed, const std::string& tracked) {
  if (billed == tracked) return true;
  const auto& [shorter, longer] = billed.size() < tracked.size() ? std::tie(billed, tracked) : std::tie(tracked, billed);
  return !shorter.empty() && longer.size() > shorter.size() + 1 && longer.compare(0, shorter.size(), shorter) == 0 &&
         longer[shorter.size()] == '-' && std::isdigit(static_cast<unsigned char>(longer[shorter.size() + 1]));
}

std::string utc_hour(int64_t s) {
  const std::time_t t = s;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char out[32];
  std::strftime(out, sizeof out, "%Y-%m-%d %H:00 UTC", &tm);
  return out;
}

std::string thousands(int64_t n) {
  std::string s = std::to_string(n);
  for (int i = static_cast<int>(s.size()) - 3; i > (n < 0 ? 1 : 0); i -= 3) s.insert(static_cast<std::size_t>(i), ",");
  return s;
}

}  // namespace

int64_t Reconciliation::billed_tokens() const {
  int64_t n = 0;
  for (const HourOfModel& h : hours) n += h.billed_tokens;
  return n;
}

int64_t Reconciliation::covered_tokens() const {
  int64_t n = 0;
  for (const HourOfModel& h : hours) n += std::min(h.billed_tokens, h.tracked_tokens);
  return n;
}

nlohmann::json Reconciliation::keys_json(const HourOfModel& h) const {
  nlohmann::json keys = nlohmann::json::array();
  for (const auto& [id, tokens] : h.keys) {
    const auto named = key_names.find(id);
    keys.push_back({{"api_key_id", id}, {"billed_tokens", tokens},
                    {"name", named == key_names.end() ? nlohmann::json(nullptr) : nlohmann::json(named->second.name)},
                    {"redacted_value", named == key_names.end() ? nlohmann::json(nullptr) : nlohmann::json(named->second.redacted_value)}});
  }
  return keys;
}

std::string Reconciliation::key_text(const std::string& id) const {
  const auto named = key_names.find(id);
  if (named == key_names.end()) return id;
  return "'" + named->second.name + "' (" + (named->second.redacted_value.empty() ? "" : named->second.redacted_value + ", ") + id + ")";
}

nlohmann::json to_json(const Reconciliation& r, int every_s) {
  nlohmann::json hours = nlohmann::json::array(), days = nlohmann::json::array(), dark = nlohmann::json::array();
  for (const HourOfModel& h : r.hours) {
    const nlohmann::json keys = r.keys_json(h);
    nlohmann::json row = {{"hour_start_s", h.hour_s}, {"model", h.model}, {"billed_tokens", h.billed_tokens},
                          {"billed_requests", h.billed_requests}, {"tracked_tokens", h.tracked_tokens},
                          {"tracked_requests", h.tracked_requests}, {"untracked_tokens", h.untracked()}, {"keys", keys}};
    if (h.untracked() > 0) dark.push_back(row);
    hours.push_back(std::move(row));
  }
  for (const DayCost& d : r.days)
    days.push_back({{"day_start_s", d.day_s}, {"billed_usd", d.billed_usd}, {"tracked_usd", d.tracked_usd},
                    {"coverage", d.billed_usd > 0 ? nlohmann::json(std::min(1.0, d.tracked_usd / d.billed_usd)) : nlohmann::json(nullptr)}});
  const int64_t billed = r.billed_tokens(), covered = r.covered_tokens();
  return {{"configured", true},
          {"every_s", every_s},
          {"polled_ms", r.polled_ms ? nlohmann::json(r.polled_ms) : nlohmann::json(nullptr)},
          {"error", r.error.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.error)},
          {"error_ms", r.error_ms ? nlohmann::json(r.error_ms) : nlohmann::json(nullptr)},
          {"key_names_error", r.names_error.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.names_error)},
          {"window", {{"start_s", r.start_s}, {"end_s", r.end_s}}},
          {"source", r.source},
          {"degraded", r.degraded},
          {"note", r.note.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.note)},
          {"tokens", {{"billed", billed}, {"tracked", covered}, {"untracked", billed - covered},
                      {"coverage", billed > 0 ? nlohmann::json(static_cast<double>(covered) / static_cast<double>(billed)) : nlohmann::json(nullptr)}}},
          {"hours", hours},
          {"days", days},
          {"dark_traffic", dark}};
}

static int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

Reconciler::Reconciler(ReconcileOptions options, StateSource& tracked, EventLog& events)
    : options_(std::move(options)),
      tracked_(tracked),
      events_(events),
      thread_(std::chrono::seconds(options_.every_s), [this] { poll_once(wall_ms()); }, {.at_start = true}) {}

Reconciler::~Reconciler() { stop(); }

Reconciliation Reconciler::latest() const {
  std::lock_guard lock(mu_);
  return latest_;
}

void Reconciler::poll_once(int64_t now_ms) {
  Reconciliation r;
  r.end_s = now_ms / 1000 + 1;
  r.start_s = (r.end_s - 1) / kHour * kHour - static_cast<int64_t>(options_.hours - 1) * kHour;
  try {
    UsageApi api(options_.base_url, options_.admin_key);
    // Billed, per hour and model (API keys kept apart to name them).
    std::map<std::pair<int64_t, std::string>, HourOfModel> rows;
    std::map<std::pair<int64_t, std::string>, std::map<std::string, int64_t>> keys;
    for (const BilledTokens& b : api.hourly_tokens(r.start_s, r.end_s)) {
      HourOfModel& h = rows[{b.hour_s, b.model}];
      h.hour_s = b.hour_s;
      h.model = b.model;
      h.billed_tokens += b.input + b.output;
      h.billed_requests += b.requests;
      keys[{b.hour_s, b.model}][b.api_key_id] += b.input + b.output;
    }
    const int64_t first_day = r.start_s / kDay * kDay;
    const std::vector<BilledCost> costs = api.daily_costs(first_day, r.end_s);
    std::vector<int64_t> days;
    for (const BilledCost& c : costs) days.push_back(c.day_s);
    const Tracked tracked = tracked_side(r, days);
    // Tracked, per hour and model, matched to the billed row of the same model.
    for (const auto& [hour, rows_of_hour] : tracked.hours)
      for (const UsageRow& t : rows_of_hour) {
        auto it = rows.find({hour, t.key});
        if (it == rows.end())
          it = std::find_if(rows.begin(), rows.end(), [&](const auto& kv) { return kv.first.first == hour && same_model(kv.first.second, t.key); });
        if (it == rows.end()) it = rows.emplace(std::pair{hour, t.key}, HourOfModel{hour, t.key}).first;
        it->second.tracked_tokens += std::llround(t.totals.input_tokens + t.totals.output_tokens);
        it->second.tracked_requests += std::llround(t.totals.requests - t.totals.errors);
      }
    for (auto& [at, h] : rows) {
      for (const auto& [id, tokens] : keys[at]) h.keys.emplace_back(id, tokens);
      std::stable_sort(h.keys.begin(), h.keys.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
      r.hours.push_back(std::move(h));
    }
    for (const BilledCost& c : costs) r.days.push_back({c.day_s, c.usd, tracked.day_usd.at(c.day_s)});
    // Names for the keys (a person knows "backend-prod", not key_abc): extra, so a failure to
    // list them (an admin key without the scope) is said beside figures that stand anyway.
    try {
      r.key_names = api.key_names();
    } catch (const UsageApiError& e) {
      r.names_error = e.what();
    }
    r.polled_ms = now_ms;
  } catch (const std::exception& e) {  // UsageApiError, or the history unreadable (Unavailable)
    std::lock_guard lock(mu_);
    latest_.error = e.what();
    latest_.error_ms = now_ms;
    return;
  }
  alert_dark_traffic(r, now_ms);
  std::lock_guard lock(mu_);
  latest_ = std::move(r);
}

// The tracked side of one poll: each hour's usage by model and each day's cost, all from one
// side: the fleet's buckets when the source has a fleet (what every host tracked), else this
// host's history. Should the fleet fail for any of it (Redis gone mid-poll, between two hours or
// between the tokens and the costs), all of it is this host's, said so, rather than a mix that
// would read as dark traffic in some hours (or a day's cost) and not others. Each window is read
// once: the answer that was not the fleet's is already this host's history for its window.
Reconciler::Tracked Reconciler::tracked_side(Reconciliation& r, const std::vector<int64_t>& days) {
  Tracked t;
  std::optional<UsageAnswer> away;  // the first answer that was not the fleet's
  int64_t away_hour = -1;
  for (int64_t hour = r.start_s; hour < r.end_s && !away; hour += kHour) {
    UsageAnswer a = tracked_.usage_answer(UsageKey::model, hour * 1000, (hour + kHour) * 1000 - 1);
    if (std::string(a.source) != "fleet") {
      away = std::move(a);
      away_hour = hour;
    } else {
      t.hours[hour] = std::move(a.rows);
    }
  }
  for (std::size_t i = 0; i < days.size() && !away; ++i) {
    UsageAnswer a = tracked_.usage_answer(UsageKey::workspace, days[i] * 1000, (days[i] + kDay) * 1000 - 1);
    if (std::string(a.source) != "fleet") {
      away = std::move(a);
    } else {
      double usd = 0;
      for (const UsageRow& row : a.rows) usd += row.totals.cost_usd;
      t.day_usd[days[i]] = usd;
    }
  }
  if (!away) {
    r.source = "fleet";
    return t;
  }
  r.source = "history";
  r.degraded = away->degraded;
  r.note = away->note;
  for (int64_t hour = r.start_s; hour < r.end_s; hour += kHour)
    t.hours[hour] = hour == away_hour ? std::move(away->rows) : tracked_.usage(UsageKey::model, hour * 1000, (hour + kHour) * 1000 - 1);
  for (const int64_t day : days) t.day_usd[day] = tracked_.usage_of("*", day * 1000, (day + kDay) * 1000 - 1).cost_usd;
  return t;
}

// One alert when an hour of a model first shows `dark_tokens` untracked, another only if that
// doubles: a poll every few minutes must not repeat the same news.
void Reconciler::alert_dark_traffic(const Reconciliation& r, int64_t now_ms) {
  for (auto it = alerted_.begin(); it != alerted_.end();)
    it = it->first.first < r.start_s ? alerted_.erase(it) : std::next(it);
  for (const HourOfModel& h : r.hours) {
    const int64_t dark = h.untracked();
    if (dark < options_.dark_tokens) continue;
    int64_t& before = alerted_[{h.hour_s, h.model}];
    if (before > 0 && dark < 2 * before) continue;
    before = dark;
    std::string on_keys;
    for (const auto& [id, tokens] : h.keys) on_keys += (on_keys.empty() ? "" : ", ") + r.key_text(id) + ": " + thousands(tokens) + " billed";
    const std::string message = "dark traffic: " + thousands(dark) + " tokens of " + h.model + " in the hour from " + utc_hour(h.hour_s) + " were billed but not tracked (billed " +
                                thousands(h.billed_tokens) + ", tracked " + thousands(h.tracked_tokens) + ")" +
                                (on_keys.empty() ? "" : "; keys: " + on_keys);
    const nlohmann::json keys = r.keys_json(h);
    events_.publish("alert", nlohmann::json{{"ts_ms", now_ms}, {"kind", "dark_traffic"}, {"workspace", "*"}, {"status", "warning"},
                                            {"previous", ""}, {"code", "dark_traffic"}, {"message", message},
                                            {"model", h.model}, {"hour_start_s", h.hour_s}, {"billed_tokens", h.billed_tokens},
                                            {"tracked_tokens", h.tracked_tokens}, {"untracked_tokens", dark}, {"keys", keys}}
                                 .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
}

}  // namespace qg::serve
