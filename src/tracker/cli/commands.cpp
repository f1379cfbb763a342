#include "commands.h"

#include "shared_state.h"
#include "time_arg.h"
#include "history_sql.h"
#include "utc_calendar.h"

#include <sqlite3.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace qg::tracker {

namespace {

struct Db {
  sqlite3* h = nullptr;
  explicit Db(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
      std::string e = h ? sqlite3_errmsg(h) : "cannot open";
      sqlite3_close(h);
      throw std::runtime_error(path + ": " + e);
    }
    sqlite3_busy_timeout(h, 2000);
  }
  ~Db() { sqlite3_close(h); }
};

int64_t system_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// A bad --since/--now is a usage error that names the option and the value (exit 2).
struct BadArgument : std::runtime_error {
  using std::runtime_error::runtime_error;
};

int64_t resolve_now(const std::string& now) {
  if (now.empty()) return system_now_ms();
  if (auto t = parse_instant(now)) return *t;
  throw BadArgument("--now: cannot read '" + now + "': give a date (2026-11-01), a UTC time (2026-11-01T12:00:00Z) or Unix seconds");
}

int64_t resolve_since(const std::string& since, int64_t now) {
  if (since.empty()) return 0;
  if (auto t = parse_since(since, now)) return *t;
  throw BadArgument("--since: cannot read '" + since + "': use " + kSinceForms);
}

struct Row {
  std::string key;
  double calls, requests, errors, input, cached, output, reasoning, images, audio_s, characters, cost;
};

// Rows of [since_ms, until_ms] (minute resolution).
std::vector<Row> query(Db& db, const std::string& by, int64_t since_ms, int64_t until_ms) {
  std::string key = by == "model" ? "model" : by == "endpoint" ? "endpoint" : by == "key" ? kByKeyLabel
                  : by == "day" ? "strftime('%Y-%m-%d', minute*60, 'unixepoch')" : "workspace";
  std::string sql = usage_query(key) + " ORDER BY " + std::string(by == "day" ? "1" : "12 DESC, 1");
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db.h, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
    if (by == "key" && std::string(sqlite3_errmsg(db.h)).find("api_key") != std::string::npos)
      throw std::runtime_error("--by key: this history was written before quotaguard recorded API key labels");
    throw std::runtime_error(std::string("not a quotaguard history: ") + sqlite3_errmsg(db.h));
  }
  sqlite3_bind_int64(st, 1, since_ms / 60000);
  sqlite3_bind_int64(st, 2, until_ms / 60000);
  std::vector<Row> rows;
  while (sqlite3_step(st) == SQLITE_ROW) {
    Row r;
    auto* k = sqlite3_column_text(st, 0);
    r.key = k ? reinterpret_cast<const char*>(k) : "";
    if (by == "key" && r.key.empty()) r.key = kNoKeyLabel;
    double* f[] = {&r.calls, &r.requests, &r.errors, &r.input, &r.cached, &r.output, &r.reasoning,
                   &r.images, &r.audio_s, &r.characters, &r.cost};
    for (int i = 0; i < 11; ++i) *f[i] = sqlite3_column_double(st, i + 1);
    rows.push_back(r);
  }
  sqlite3_finalize(st);
  return rows;
}

double sum_cost(Db& db, int64_t since_ms, int64_t until_ms) {
  double c = 0;
  for (auto& r : query(db, "workspace", since_ms, until_ms)) c += r.cost;
  return c;
}

// Month-to-date and today's cost with a linear projection to the end of each period.
nlohmann::json projection(Db& db, int64_t now) {
  int64_t ms = utc_month_start_ms(now), me = utc_next_month_start_ms(now), ds = utc_day_start_ms(now);
  double mtd = sum_cost(db, ms, now), today = sum_cost(db, ds, now);
  double mfrac = static_cast<double>(now - ms) / static_cast<double>(me - ms);
  double dfrac = static_cast<double>(now - ds) / 86400000.0;
  return {{"month_to_date_usd", mtd}, {"month_projected_usd", mfrac > 0.001 ? mtd / mfrac : mtd},
          {"today_usd", today}, {"today_projected_usd", dfrac > 0.001 ? today / dfrac : today}};
}

int run_usage(const std::string& db_path, const std::string& by, const std::string& since, const std::string& now_arg,
              const std::string& format) {
  const int64_t now = resolve_now(now_arg);
  const int64_t from = resolve_since(since, now);
  Db db(db_path);
  auto rows = query(db, by, from, now);
  nlohmann::json proj = projection(db, now);
  if (format == "json") {
    nlohmann::json out = {{"by", by}, {"rows", nlohmann::json::array()}, {"projection", proj}};
    for (auto& r : rows)
      out["rows"].push_back({{by, r.key}, {"calls", r.calls}, {"requests", r.requests}, {"errors", r.errors},
                             {"input_tokens", r.input}, {"cached_tokens", r.cached}, {"output_tokens", r.output},
                             {"reasoning_tokens", r.reasoning}, {"images", r.images}, {"audio_seconds", r.audio_s},
                             {"characters", r.characters}, {"cost_usd", r.cost}});
    std::printf("%s\n", out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return 0;
  }
  std::printf("%-32s %10s %8s %12s %12s %12s %12s\n", by.c_str(), "requests", "errors", "input", "cached", "output", "cost_usd");
  Row total{"total", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  for (auto& r : rows) {
    std::printf("%-32.32s %10.0f %8.0f %12.0f %12.0f %12.0f %12.4f\n", r.key.c_str(), r.requests, r.errors, r.input,
                r.cached, r.output, r.cost);
    total.requests += r.requests; total.errors += r.errors; total.input += r.input;
    total.cached += r.cached; total.output += r.output; total.cost += r.cost;
  }
  std::printf("%-32s %10.0f %8.0f %12.0f %12.0f %12.0f %12.4f\n", "total", total.requests, total.errors, total.input,
              total.cached, total.output, total.cost);
  std::printf("month to date $%.4f, projected $%.4f at month end; today $%.4f, projected $%.4f\n",
              proj["month_to_date_usd"].get<double>(), proj["month_projected_usd"].get<double>(),
              proj["today_usd"].get<double>(), proj["today_projected_usd"].get<double>());
  return 0;
}

// The live status of every entity from the host's shared state (docs/shared-state.md): what
// every process sharing the db sees now, not what the last one to flush wrote.
nlohmann::json shared_workspaces(const SharedState& shared, int64_t now) {
  nlohmann::json ws = nlohmann::json::array();
  for (const SharedEntity& e : shared.snapshot(now).entities) {
    // An account has no announced status of its own: what the API said of it is its status.
    const bool account = e.name.rfind("account:", 0) == 0;
    Status st = account ? e.api.status : e.status;
    if (st == Status::rate_limited && account && now >= e.api.rate_limited_until_ms) st = Status::normal;
    nlohmann::json used = nlohmann::json::object();
    for (int p = 0; p < kPeriods; ++p)
      used[period_name(p)] = {{"requests", e.used[p][kSharedRequests]}, {"tokens", e.used[p][kSharedTokens]},
                              {"usd", e.used[p][kSharedMicroUsd]}, {"server_errors", e.used[p][kSharedServerErrors]}};
    nlohmann::json w = {{"workspace", e.name}, {"status", status_name(st)},
                        {"since_ms", account ? e.api.since_ms : e.since_ms}, {"updated_ms", now},
                        {"reason", account ? e.api.code : e.reason}, {"budget", status_name(e.budget)}, {"used", used}};
    if (!e.budget_name.empty() && e.budget == Status::exhausted) w["budget_exhausted"] = e.budget_name;
    if (e.api.status != Status::normal) w["api"] = {{"status", status_name(e.api.status)}, {"code", e.api.code}, {"message", e.api.message}};
    ws.push_back(std::move(w));
  }
  return ws;
}

int run_status(const std::string& db_path, const std::string& now_arg, const std::string& format) {
  const int64_t now = resolve_now(now_arg);
  Db db(db_path);
  Config where;
  where.db_path = db_path;
  std::unique_ptr<SharedState> shared = SharedState::open_read(where.shared_state_path());
  nlohmann::json ws = nlohmann::json::array();
  bool trouble = false;
  sqlite3_stmt* st = nullptr;
  if (shared) {
    ws = shared_workspaces(*shared, now);
  } else {  // a history written per process (tracker.share = "process"): the last status flushed
    if (sqlite3_prepare_v2(db.h, "SELECT workspace, status, since_ms, updated_ms FROM status ORDER BY workspace", -1, &st, nullptr) != SQLITE_OK)
      throw std::runtime_error(std::string("not a quotaguard history: ") + sqlite3_errmsg(db.h));
    while (sqlite3_step(st) == SQLITE_ROW)
      ws.push_back({{"workspace", reinterpret_cast<const char*>(sqlite3_column_text(st, 0))},
                    {"status", reinterpret_cast<const char*>(sqlite3_column_text(st, 1))},
                    {"since_ms", sqlite3_column_int64(st, 2)}, {"updated_ms", sqlite3_column_int64(st, 3)}});
    sqlite3_finalize(st);
  }
  for (auto& w : ws) trouble |= w["status"] != "normal" && w["status"] != "warning";
  nlohmann::json alerts = nlohmann::json::array();
  if (sqlite3_prepare_v2(db.h, "SELECT ts_ms, kind, workspace, status, message FROM alerts ORDER BY ts_ms DESC LIMIT 5", -1, &st, nullptr) == SQLITE_OK) {
    while (sqlite3_step(st) == SQLITE_ROW)
      alerts.push_back({{"ts_ms", sqlite3_column_int64(st, 0)},
                        {"kind", reinterpret_cast<const char*>(sqlite3_column_text(st, 1))},
                        {"workspace", reinterpret_cast<const char*>(sqlite3_column_text(st, 2))},
                        {"status", reinterpret_cast<const char*>(sqlite3_column_text(st, 3))},
                        {"message", reinterpret_cast<const char*>(sqlite3_column_text(st, 4))}});
    sqlite3_finalize(st);
  }
  nlohmann::json proj = projection(db, now);
  if (format == "json") {
    nlohmann::json out = {{"source", shared ? "shared" : "history"}, {"workspaces", ws}, {"recent_alerts", alerts}, {"projection", proj}};
    if (shared) out["shared_state"] = shared->path();
    std::printf("%s\n", out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  } else {
    for (auto& w : ws) {
      const int64_t since = w["since_ms"].get<int64_t>();
      std::printf("%-24s %-13s", w["workspace"].get<std::string>().c_str(), w["status"].get<std::string>().c_str());
      if (since > 0) std::printf(" since %.0f s ago", static_cast<double>(now - since) / 1000.0);
      if (w.contains("reason") && !w["reason"].get<std::string>().empty() && w["status"] != "normal")
        std::printf(" (%s)", w["reason"].get<std::string>().c_str());
      std::printf("\n");
    }
    for (auto& a : alerts)
      std::printf("alert %s %s: %s\n", a["kind"].get<std::string>().c_str(), a["workspace"].get<std::string>().c_str(),
                  a["message"].get<std::string>().c_str());
    std::printf("month to date $%.4f, projected $%.4f at month end\n", proj["month_to_date_usd"].get<double>(),
                proj["month_projected_usd"].get<double>());
  }
  return trouble ? 1 : 0;
}

}  // namespace

void register_cli(CLI::App& app, int& exit_code) {
  auto db = std::make_shared<std::string>();
  auto by = std::make_shared<std::string>("workspace");
  auto since = std::make_shared<std::string>();
  auto format = std::make_shared<std::string>("text");
  auto now = std::make_shared<std::string>();
  CLI::App* usage = app.add_subcommand("usage", "usage and cost from the tracker's history, with projections");
  usage->add_option("--db", *db, "tracker history (SQLite)")->required();
  usage->add_option("--by", *by, "group rows by")->check(CLI::IsMember({"workspace", "model", "endpoint", "key", "day"}));
  usage->add_option("--since", *since, std::string("start of the window (default: everything): ") + kSinceForms);
  usage->add_option("--now", *now, "evaluate as of this instant instead of the current time (a date, a UTC time or Unix seconds)");
  usage->add_option("--format", *format, "output format")->check(CLI::IsMember({"text", "json"}));
  usage->callback([=, &exit_code] {
    try {
      exit_code = run_usage(*db, *by, *since, *now, *format);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "quotaguard usage: %s\n", e.what());
      exit_code = 2;
    }
  });
  auto sdb = std::make_shared<std::string>();
  auto sformat = std::make_shared<std::string>("text");
  auto snow = std::make_shared<std::string>();
  CLI::App* status = app.add_subcommand("status", "status per workspace (live, from the host's shared state beside the db), recent alerts, projections");
  status->add_option("--db", *sdb, "tracker history (SQLite)")->required();
  status->add_option("--format", *sformat, "output format")->check(CLI::IsMember({"text", "json"}));
  status->add_option("--now", *snow, "evaluate as of this instant instead of the current time");
  status->callback([=, &exit_code] {
    try {
      exit_code = run_status(*sdb, *snow, *sformat);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "quotaguard status: %s\n", e.what());
      exit_code = 2;
    }
  });
}

}  // namespace qg::tracker
