#include "tracker_config.h"

#include "did_you_mean.h"
#include "redis_client.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace qg::tracker {

const char* period_name(int p) {
  static constexpr const char* kNames[] = {"minute", "day", "month"};
  return kNames[p];
}

std::string Config::shared_state_path() const {
  if (!share_host) return {};
  if (!state.empty()) return state.find('/') != std::string::npos ? state : "/dev/shm/quotaguard-" + state + ".state";
  return db_path.empty() ? std::string() : db_path + ".state";
}

bool Limits::any() const {
  for (int p = 0; p < kPeriods; ++p)
    if (requests[p] >= 0 || tokens[p] >= 0 || usd[p] >= 0) return true;
  return false;
}

namespace {

using nlohmann::json;

// ---- the schema ----------------------------------------------------------------------------

enum class Kind { table, map, table_array, string, strings, integer, number, boolean };

struct Field {
  const char* name;
  Kind kind;
  std::vector<Field> children;  // table / table_array: the keys; map: one child (any name)
};

const Field& schema() {
  static const std::vector<std::string> limit_names = [] {
    std::vector<std::string> names;
    for (const char* what : {"requests", "tokens", "usd"})
      for (int p = 0; p < kPeriods; ++p) names.push_back(std::string(what) + "_per_" + period_name(p));
    return names;
  }();
  static const Field root = [] {
    std::vector<Field> limit_keys;
    for (const std::string& n : limit_names) limit_keys.push_back({n.c_str(), Kind::number, {}});
    auto limits = [&](const char* name) { return Field{name, Kind::table, limit_keys}; };
    return Field{"", Kind::table, {
        {"tracker", Kind::table, {{"db", Kind::string, {}}, {"flush_interval_ms", Kind::integer, {}},
                                  {"ledger", Kind::boolean, {}}, {"quota_scope", Kind::string, {}},
                                  {"exhausted_probe_s", Kind::integer, {}}, {"pricing", Kind::string, {}},
                                  {"tick_ms", Kind::integer, {}}, {"share", Kind::string, {}},
                                  {"state", Kind::string, {}}, {"redis", Kind::string, {}},
                                  {"redis_namespace", Kind::string, {}}, {"redis_sync_ms", Kind::integer, {}}}},
        {"policy", Kind::table, {{"on_exhausted", Kind::string, {}}, {"fallback_model", Kind::string, {}},
                                 {"accounts", Kind::table_array, {{"name", Kind::string, {}},
                                                                  {"api_key_env", Kind::string, {}},
                                                                  {"organization", Kind::string, {}},
                                                                  {"project", Kind::string, {}},
                                                                  {"base_url", Kind::string, {}}}}}},
        {"thresholds", Kind::table, {{"warning", Kind::number, {}}, {"critical", Kind::number, {}}}},
        {"budgets", Kind::table, {limits("global"), limits("workspace"),
                                  {"workspaces", Kind::map, {limits("(a workspace)")}}}},
        {"alerts", Kind::table, {{"jsonl", Kind::string, {}}, {"webhook", Kind::string, {}},
                                 {"webhook_timeout_ms", Kind::integer, {}}, {"queue", Kind::integer, {}},
                                 {"dead_letter", Kind::string, {}}, {"retries", Kind::integer, {}},
                                 {"retry_backoff_ms", Kind::integer, {}}, {"dedup_s", Kind::integer, {}},
                                 {"routes", Kind::table_array, {{"name", Kind::string, {}}, {"url", Kind::string, {}},
                                                                {"format", Kind::string, {}},
                                                                {"secret_env", Kind::string, {}},
                                                                {"workspaces", Kind::strings, {}},
                                                                {"kinds", Kind::strings, {}},
                                                                {"min_severity", Kind::string, {}},
                                                                {"timeout_ms", Kind::integer, {}},
                                                                {"retries", Kind::integer, {}},
                                                                {"retry_backoff_ms", Kind::integer, {}},
                                                                {"dedup_s", Kind::integer, {}}}}}}}};
  }();
  return root;
}

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::table: case Kind::map: return "a table";
    case Kind::table_array: return "an array of tables";
    case Kind::string: return "a string";
    case Kind::strings: return "an array of strings";
    case Kind::integer: return "an integer";
    case Kind::number: return "a number";
    case Kind::boolean: return "true or false";
  }
  return "";
}

const char* json_kind(const json& v) {
  if (v.is_object()) return "a table";
  if (v.is_array()) return "an array";
  if (v.is_string()) return "a string";
  if (v.is_boolean()) return "a boolean";
  if (v.is_number()) return "a number";
  return "null";
}

bool fits(Kind k, const json& v) {
  switch (k) {
    case Kind::table: case Kind::map: return v.is_object();
    case Kind::table_array: return v.is_array();
    case Kind::string: return v.is_string();
    case Kind::strings: return v.is_array() && std::all_of(v.begin(), v.end(), [](const json& s) { return s.is_string(); });
    case Kind::integer: return v.is_number_integer();
    case Kind::number: return v.is_number();
    case Kind::boolean: return v.is_boolean();
  }
  return false;
}

std::string suggestion(std::string_view key, const Field& table) {
  std::vector<std::string_view> names;
  for (const Field& f : table.children) names.emplace_back(f.name);
  return did_you_mean(key, names);
}

// Where a value came from: "file:line" for a file, "configure(section=...)" for overrides.
using Where = std::function<std::string(const std::string& path)>;

// An error that already says where (check), or names the key it is about (build).
struct Located : std::runtime_error {
  using std::runtime_error::runtime_error;
};
struct Invalid : std::runtime_error {
  std::string key;  // dotted path of the value, for its place
  Invalid(std::string k, const std::string& message) : std::runtime_error(message), key(std::move(k)) {}
};

void check(const json& v, const Field& f, const std::string& path, const Where& where) {
  if (!fits(f.kind, v))
    throw Located(where(path) + ": " + path + " must be " + kind_name(f.kind) + ", not " + json_kind(v));
  if (f.kind == Kind::map) {
    for (auto& [k, child] : v.items()) check(child, f.children[0], path + "." + k, where);
  } else if (f.kind == Kind::table_array) {
    for (std::size_t i = 0; i < v.size(); ++i) {
      const std::string item = path + "[" + std::to_string(i) + "]";
      check(v[i], Field{nullptr, Kind::table, f.children}, item, where);
    }
  } else if (f.kind == Kind::table) {
    for (auto& [k, child] : v.items()) {
      auto it = std::find_if(f.children.begin(), f.children.end(), [&](const Field& c) { return k == c.name; });
      const std::string sub = path.empty() ? k : path + "." + k;
      if (it == f.children.end())
        throw Located(where(sub) + ": unknown " + (path.empty() ? "table" : "key") + " '" + k + "'" +
                      (path.empty() ? std::string() : " in [" + path + "]") + suggestion(k, f));
      check(child, *it, sub, where);
    }
  }
}

// TOML -> JSON, noting the line of every value by its dotted path.
json from_toml(const toml::node& n, const std::string& path, std::map<std::string, int>& lines) {
  lines[path] = static_cast<int>(n.source().begin.line);
  if (auto* t = n.as_table()) {
    json o = json::object();
    for (auto& [k, child] : *t) {
      std::string key(k.str());
      lines[path.empty() ? key : path + "." + key] = static_cast<int>(k.source().begin.line);
      o[key] = from_toml(child, path.empty() ? key : path + "." + key, lines);
    }
    return o;
  }
  if (auto* a = n.as_array()) {
    json arr = json::array();
    for (std::size_t i = 0; i < a->size(); ++i)
      arr.push_back(from_toml(*a->get(i), path + "[" + std::to_string(i) + "]", lines));
    return arr;
  }
  if (auto* s = n.as_string()) return s->get();
  if (auto* i = n.as_integer()) return i->get();
  if (auto* f = n.as_floating_point()) return f->get();
  if (auto* b = n.as_boolean()) return b->get();
  return json::array();  // a date or time: no tracker key takes one (the check says so)
}

void merge(json& dst, const json& src) {
  for (auto& [k, v] : src.items()) {
    if (v.is_object() && dst.contains(k) && dst[k].is_object()) merge(dst[k], v);
    else dst[k] = v;
  }
}

void read_limits(const json& j, Limits& l) {
  if (!j.is_object()) return;
  for (int p = 0; p < kPeriods; ++p) {
    std::string per = std::string("_per_") + period_name(p);
    if (auto it = j.find("requests" + per); it != j.end()) l.requests[p] = it->get<double>();
    if (auto it = j.find("tokens" + per); it != j.end()) l.tokens[p] = it->get<double>();
    if (auto it = j.find("usd" + per); it != j.end()) l.usd[p] = it->get<double>();
  }
}

template <class T>
void get(const json& j, const char* key, T& out) {
  if (auto it = j.find(key); it != j.end() && !it->is_null()) out = it->get<T>();
}

// [alerts]: retries, retry_backoff_ms and dedup_s are every route's defaults; `webhook` is one
// more route that takes every alert as JSON.
void read_routes(const json& a, Config& c) {
  RouteConfig defaults;
  get(a, "retries", defaults.retries);
  get(a, "retry_backoff_ms", defaults.backoff_ms);
  get(a, "dedup_s", defaults.dedup_s);
  get(a, "dead_letter", c.dead_letter);
  if (defaults.retries < 0 || defaults.retries > 100 || defaults.backoff_ms < 0 || defaults.dedup_s < 0)
    throw Invalid("alerts", "alerts: retries must be 0-100, retry_backoff_ms and dedup_s >= 0");
  c.alert_routes.clear();
  const json routes = a.value("routes", json::array());
  for (std::size_t i = 0; i < routes.size(); ++i) {
    const json& r = routes[i];
    const std::string at = "alerts.routes[" + std::to_string(i) + "]";
    RouteConfig route = defaults;
    get(r, "name", route.name);
    get(r, "url", route.url);
    get(r, "format", route.format);
    get(r, "workspaces", route.workspaces);
    get(r, "kinds", route.kinds);
    get(r, "timeout_ms", route.timeout_ms);
    get(r, "retries", route.retries);
    get(r, "retry_backoff_ms", route.backoff_ms);
    get(r, "dedup_s", route.dedup_s);
    if (route.name.empty()) route.name = "route " + std::to_string(i + 1);
    if (route.url.rfind("http://", 0) != 0 && route.url.rfind("https://", 0) != 0)
      throw Invalid(at + ".url", at + ".url: an http:// or https:// URL is needed, not '" + route.url + "'");
    if (route.format != "json" && route.format != "slack")
      throw Invalid(at + ".format", at + ".format: \"json\" or \"slack\", not '" + route.format + "'");
    if (std::string sev = r.value("min_severity", std::string("info")); !parse_severity(sev, route.min_severity))
      throw Invalid(at + ".min_severity", at + ".min_severity: \"info\", \"warning\" or \"critical\", not '" + sev + "'");
    if (std::string env = r.value("secret_env", std::string()); !env.empty()) {
      const char* secret = std::getenv(env.c_str());
      if (!secret || !*secret)
        throw Invalid(at + ".secret_env", at + ".secret_env: the environment variable " + env +
                                              " (the route's signing secret) is not set");
      route.secret = secret;
    }
    if (route.retries < 0 || route.retries > 100 || route.backoff_ms < 0 || route.dedup_s < 0 || route.timeout_ms <= 0)
      throw Invalid(at, at + ": retries must be 0-100, retry_backoff_ms and dedup_s >= 0, timeout_ms > 0");
    c.alert_routes.push_back(std::move(route));
  }
  if (!c.webhook_url.empty()) {
    RouteConfig webhook = defaults;
    webhook.name = "webhook";
    webhook.url = c.webhook_url;
    webhook.timeout_ms = c.webhook_timeout_ms;
    c.alert_routes.push_back(std::move(webhook));
  }
}

// Values the schema cannot say: allowed words, ranges, what goes with what.
void build(const json& j, Config& c) {
  json t = j.value("tracker", json::object());
  get(t, "db", c.db_path);
  get(t, "flush_interval_ms", c.flush_interval_ms);
  get(t, "ledger", c.ledger);
  get(t, "exhausted_probe_s", c.exhausted_probe_s);
  get(t, "pricing", c.pricing_path);
  get(t, "tick_ms", c.tick_ms);
  std::string share = "host";
  get(t, "share", share);
  if (share != "host" && share != "process") throw Invalid("tracker.share", "tracker.share must be \"host\" or \"process\"");
  c.share_host = share == "host";
  get(t, "state", c.state);
  get(t, "redis", c.redis);
  get(t, "redis_namespace", c.redis_namespace);
  get(t, "redis_sync_ms", c.redis_sync_ms);
  if (!c.redis.empty()) {
    RedisUrl url;
    std::string why;
    if (!parse_redis_url(c.redis, url, why)) throw Invalid("tracker.redis", "tracker." + why);
  }
  if (c.redis_namespace.empty()) throw Invalid("tracker.redis_namespace", "tracker.redis_namespace must not be empty");
  if (c.redis_sync_ms < 1 || c.redis_sync_ms > 10000) throw Invalid("tracker.redis_sync_ms", "tracker.redis_sync_ms must be 1..10000");
  if (!c.state.empty() && !c.share_host) throw Invalid("tracker.state", "tracker.state needs tracker.share = \"host\"");
  std::string scope = "global";
  get(t, "quota_scope", scope);
  if (scope != "global" && scope != "workspace") throw Invalid("tracker.quota_scope", "tracker.quota_scope must be \"global\" or \"workspace\"");
  c.quota_scope_global = scope == "global";
  json pol = j.value("policy", json::object());
  get(pol, "on_exhausted", c.on_exhausted);
  get(pol, "fallback_model", c.fallback_model);
  if (c.on_exhausted != "raise" && c.on_exhausted != "failover" && c.on_exhausted != "allow")
    throw Invalid("policy.on_exhausted", "policy.on_exhausted must be \"raise\", \"failover\" or \"allow\"" +
                             std::string(c.on_exhausted == "fallback"
                                             ? " (a cheaper model when a budget is used up: policy.fallback_model)"
                                             : ""));
  for (const json& a : pol.value("accounts", json::array())) {
    std::string name = a.value("name", "");
    if (name.empty() || name == "primary")
      throw Invalid("policy.accounts", "policy.accounts: each account needs a name (not \"primary\": that is the client's own)");
    if (std::find(c.accounts.begin(), c.accounts.end(), name) != c.accounts.end())
      throw Invalid("policy.accounts", "policy.accounts: the name '" + name + "' is used twice");
    if (!a.contains("api_key_env")) throw Invalid("policy.accounts", "policy.accounts: account '" + name + "' needs api_key_env");
    c.accounts.push_back(name);
  }
  if (c.on_exhausted == "failover" && c.accounts.empty())
    throw Invalid("policy.on_exhausted", "policy.on_exhausted = \"failover\" needs policy.accounts to fail over to");
  if (!c.accounts.empty() && c.on_exhausted != "failover")
    throw Invalid("policy.accounts", "policy.accounts are used only with policy.on_exhausted = \"failover\"");
  if (!c.accounts.empty() && !c.quota_scope_global)
    throw Invalid("policy.accounts", "policy.accounts need tracker.quota_scope = \"global\" (a quota is an account's)");
  if (c.accounts.size() > 7) throw Invalid("policy.accounts", "policy.accounts: at most 7");
  json th = j.value("thresholds", json::object());
  get(th, "warning", c.warning);
  get(th, "critical", c.critical);
  if (!(c.warning > 0 && c.warning <= c.critical && c.critical <= 1.0))
    throw Invalid("thresholds", "thresholds: need 0 < warning <= critical <= 1");
  json b = j.value("budgets", json::object());
  read_limits(b.value("global", json::object()), c.global);
  read_limits(b.value("workspace", json::object()), c.default_workspace);
  const json per_ws = b.value("workspaces", json::object());  // items() of a temporary dangles
  for (auto& [name, lim] : per_ws.items()) read_limits(lim, c.workspaces[name]);
  json a = j.value("alerts", json::object());
  get(a, "jsonl", c.alerts_jsonl);
  get(a, "webhook", c.webhook_url);
  get(a, "webhook_timeout_ms", c.webhook_timeout_ms);
  get(a, "queue", c.alert_queue);
  read_routes(a, c);
  if (c.flush_interval_ms < 10) c.flush_interval_ms = 10;
  if (c.tick_ms < 2) c.tick_ms = 2;
}

const char* const kPathKeys[][2] = {{"tracker", "db"}, {"tracker", "pricing"}, {"alerts", "jsonl"},
                                    {"alerts", "dead_letter"}};

}  // namespace

bool load_config(const std::string& path, const std::string& overrides_json, Config& out, std::string& effective,
                 std::string& error) {
  json merged = json::object(), over = json::object();
  std::map<std::string, int> lines;
  try {
    if (!path.empty()) {
      toml::table root;
      try {
        root = toml::parse_file(path);
      } catch (const toml::parse_error& e) {
        throw Located(path + ":" + std::to_string(e.source().begin.line) + ": " + std::string(e.description()));
      }
      merged = from_toml(root, "", lines);
      check(merged, schema(), "", [&](const std::string& at) {
        auto it = lines.find(at);
        return path + ":" + std::to_string(it != lines.end() ? it->second : 1);
      });
      // Relative paths are relative to the file.
      const std::filesystem::path dir = std::filesystem::absolute(path).parent_path();
      for (auto& [section, key] : kPathKeys) {
        json* v = merged.contains(section) ? &merged[section] : nullptr;
        if (v && v->contains(key) && !(*v)[key].get<std::string>().empty() &&
            std::filesystem::path((*v)[key].get<std::string>()).is_relative())
          (*v)[key] = (dir / (*v)[key].get<std::string>()).string();
      }
    }
    if (!overrides_json.empty()) {
      over = json::parse(overrides_json);
      check(over, schema(), "", [](const std::string& at) { return "configure(" + at.substr(0, at.find('.')) + "=...)"; });
      merge(merged, over);
    }
    Config c = out;
    build(merged, c);
    out = std::move(c);
    effective = merged.dump();
  } catch (const Located& e) {
    error = e.what();
    return false;
  } catch (const Invalid& e) {  // the place of the key: an override, else the file's line
    const std::string section = e.key.substr(0, e.key.find('.'));
    auto at = lines.find(e.key);
    error = over.contains(section) || path.empty() ? "configure(" + section + "=...): " + e.what()
            : at != lines.end()                    ? path + ":" + std::to_string(at->second) + ": " + e.what()
                                                   : path + ": " + e.what();
    return false;
  } catch (const std::exception& e) {
    error = (path.empty() ? std::string("configure()") : path) + ": " + e.what();
    return false;
  }
  return true;
}

bool parse_config_json(const std::string& json_text, Config& out, std::string& error) {
  std::string effective;
  return load_config("", json_text, out, effective, error);
}

bool load_config_file(const std::string& path, Config& out, std::string& error) {
  std::string effective;
  return load_config(path, "", out, effective, error);
}

}  // namespace qg::tracker
