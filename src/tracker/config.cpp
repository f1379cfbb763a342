#include "config.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <toml++/toml.h>

namespace qg::tracker {

const char* period_name(int p) {
  static constexpr const char* kNames[] = {"minute", "day", "month"};
  return kNames[p];
}

bool Limits::any() const {
  for (int p = 0; p < kPeriods; ++p)
    if (requests[p] >= 0 || tokens[p] >= 0 || usd[p] >= 0) return true;
  return false;
}

namespace {

using nlohmann::json;

void read_limits(const json& j, Limits& l) {
  if (!j.is_object()) return;
  for (int p = 0; p < kPeriods; ++p) {
    std::string per = std::string("_per_") + period_name(p);
    if (auto it = j.find("requests" + per); it != j.end() && it->is_number()) l.requests[p] = it->get<double>();
    if (auto it = j.find("tokens" + per); it != j.end() && it->is_number()) l.tokens[p] = it->get<double>();
    if (auto it = j.find("usd" + per); it != j.end() && it->is_number()) l.usd[p] = it->get<double>();
  }
}

template <class T>
void get(const json& j, const char* key, T& out) {
  if (auto it = j.find(key); it != j.end() && !it->is_null()) out = it->get<T>();
}

// An integer key: a JSON integer in [lo, hi]. Converting a float (1e30) or an out-of-range
// integer to int is undefined behaviour, and a negative queue size would wrap around.
void get_int(const json& j, const char* table, const char* key, int& out, int lo, int hi) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return;
  int64_t v = 0;
  bool integer = false;
  if (it->is_number_unsigned()) {
    const uint64_t u = it->get<uint64_t>();
    integer = u <= static_cast<uint64_t>(hi);
    v = integer ? static_cast<int64_t>(u) : 0;
  } else if (it->is_number_integer()) {
    v = it->get<int64_t>();
    integer = true;
  }
  if (!integer || v < lo || v > hi)
    throw std::runtime_error(std::string(table) + "." + key + " must be an integer from " + std::to_string(lo) + " to " +
                             std::to_string(hi) + ", got " + it->dump());
  out = static_cast<int>(v);
}

}  // namespace

bool parse_config_json(const std::string& text, Config& c, std::string& error) {
  try {
    json j = json::parse(text);
    if (!j.is_object()) throw std::runtime_error("config root must be a table");
    json t = j.value("tracker", json::object());
    get(t, "db", c.db_path);
    get_int(t, "tracker", "flush_interval_ms", c.flush_interval_ms, 0, 24 * 3600 * 1000);
    get(t, "ledger", c.ledger);
    get_int(t, "tracker", "exhausted_probe_s", c.exhausted_probe_s, 0, 365 * 24 * 3600);
    get(t, "pricing", c.pricing_path);
    get_int(t, "tracker", "tick_ms", c.tick_ms, 0, 3600 * 1000);
    std::string scope = "global";
    get(t, "quota_scope", scope);
    if (scope != "global" && scope != "workspace") throw std::runtime_error("tracker.quota_scope must be global or workspace");
    c.quota_scope_global = scope == "global";
    json pol = j.value("policy", json::object());
    get(pol, "on_exhausted", c.on_exhausted);
    get(pol, "fallback_model", c.fallback_model);
    if (c.on_exhausted != "raise" && c.on_exhausted != "fallback" && c.on_exhausted != "allow")
      throw std::runtime_error("policy.on_exhausted must be raise, fallback or allow");
    if (c.on_exhausted == "fallback" && c.fallback_model.empty())
      throw std::runtime_error("policy.on_exhausted = fallback needs policy.fallback_model");
    json th = j.value("thresholds", json::object());
    get(th, "warning", c.warning);
    get(th, "critical", c.critical);
    if (!(c.warning > 0 && c.warning <= c.critical && c.critical <= 1.0))
      throw std::runtime_error("thresholds: need 0 < warning <= critical <= 1");
    json b = j.value("budgets", json::object());
    read_limits(b.value("global", json::object()), c.global);
    read_limits(b.value("workspace", json::object()), c.default_workspace);
    const json per_ws = b.value("workspaces", json::object());  // items() of a temporary dangles
    for (auto& [name, lim] : per_ws.items()) read_limits(lim, c.workspaces[name]);
    json a = j.value("alerts", json::object());
    get(a, "jsonl", c.alerts_jsonl);
    get(a, "webhook", c.webhook_url);
    get_int(a, "alerts", "webhook_timeout_ms", c.webhook_timeout_ms, 0, 3600 * 1000);
    get_int(a, "alerts", "queue", c.alert_queue, 1, 1 << 24);
    if (c.flush_interval_ms < 10) c.flush_interval_ms = 10;
    if (c.tick_ms < 2) c.tick_ms = 2;
  } catch (const std::exception& e) {
    error = std::string("config: ") + e.what();
    return false;
  }
  return true;
}

bool load_config_file(const std::string& path, Config& c, std::string& error) {
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    std::ostringstream os;
    os << path << ": " << e.description() << " (line " << e.source().begin.line << ")";
    error = os.str();
    return false;
  }
  std::ostringstream os;
  os << toml::json_formatter{root};
  return parse_config_json(os.str(), c, error);
}

}  // namespace qg::tracker
