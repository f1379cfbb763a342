#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <mutex>
#include <thread>
#include <vector>

#include "tracker.h"

using namespace qg::tracker;
using namespace std::chrono_literals;

namespace {
struct Collector {
  std::mutex mu;
  std::vector<Alert> alerts;
  void add(const Alert& a) {
    std::lock_guard l(mu);
    alerts.push_back(a);
  }
  bool wait_for(const std::string& kind, Status st, std::chrono::milliseconds max = 3000ms) {
    auto end = std::chrono::steady_clock::now() + max;
    while (std::chrono::steady_clock::now() < end) {
      {
        std::lock_guard l(mu);
        for (auto& a : alerts)
          if (kind == a.kind && a.status == st) return true;
      }
      std::this_thread::sleep_for(2ms);
    }
    return false;
  }
};

Call ok_call(std::string_view ws, uint64_t in, uint64_t out) {
  Call c;
  c.workspace = ws;
  c.method = "POST";
  c.path = "/v1/chat/completions";
  c.model = "gpt-4o";
  c.http_status = 200;
  c.input_tokens = in;
  c.output_tokens = out;
  return c;
}
}  // namespace

TEST_CASE("status: the first insufficient_quota flips to exhausted at once; success clears") {
  Collector col;
  Tracker t{Config{}};
  t.dispatcher().add_callback([&](const Alert& a) { col.add(a); });
  t.record(ok_call("acme", 10, 5));
  CHECK(t.status("acme") == Status::normal);
  Call q = ok_call("acme", 0, 0);
  q.http_status = 429;
  q.error_type = "insufficient_quota";  // 2023 bodies: code null, type set
  t.record(q);
  CHECK(t.status("acme") == Status::exhausted);
  CHECK(t.status({}) == Status::exhausted);
  CHECK(t.status("other") == Status::exhausted);  // one key, one quota (quota_scope = global)
  auto chk = t.check("acme");
  CHECK(chk.action == CheckResult::block);
  CHECK(chk.code == "insufficient_quota");
  CHECK(chk.since_ms > 0);
  CHECK(col.wait_for("status", Status::exhausted));
  t.record(ok_call("acme", 1, 1));
  CHECK(t.status("acme") == Status::normal);
}

TEST_CASE("status: rate_limit_exceeded is rate_limited and clears") {
  Tracker t{Config{}};
  Call r = ok_call("w", 0, 0);
  r.http_status = 429;
  r.error_code = "rate_limit_exceeded";
  r.retry_after_ms = 50;
  t.record(r);
  CHECK(t.status("w") == Status::rate_limited);
  CHECK(t.check("w").action == CheckResult::allow);  // rate limits are the SDK's to retry
  std::this_thread::sleep_for(80ms);
  CHECK(t.status("w") == Status::normal);
}

TEST_CASE("status: budgets drive warning, critical, exhausted; policy fallback") {
  Config cfg;
  cfg.default_workspace.requests[kDay] = 100;
  cfg.on_exhausted = "fallback";
  cfg.fallback_model = "gpt-4o-mini";
  cfg.tick_ms = 5;
  Collector col;
  Tracker t{cfg};
  t.dispatcher().add_callback([&](const Alert& a) { col.add(a); });
  for (int i = 0; i < 80; ++i) t.record(ok_call("b", 1, 1));
  CHECK(col.wait_for("status", Status::warning));
  for (int i = 0; i < 15; ++i) t.record(ok_call("b", 1, 1));
  CHECK(col.wait_for("status", Status::critical));
  for (int i = 0; i < 5; ++i) t.record(ok_call("b", 1, 1));
  CHECK(col.wait_for("status", Status::exhausted));
  auto chk = t.check("b");
  CHECK(chk.action == CheckResult::fallback);
  CHECK(chk.code.rfind("budget", 0) == 0);
  CHECK(t.status("untouched") == Status::normal);
}

TEST_CASE("status: unpriced models raise an alert instead of costing a silent $0") {
  Config cfg;
  cfg.tick_ms = 5;
  Collector col;
  Tracker t{cfg};
  t.dispatcher().add_callback([&](const Alert& a) { col.add(a); });
  Call c = ok_call("u", 100, 100);
  c.model = "gpt-99-turbo";
  t.record(c);
  CHECK(col.wait_for("unpriced_model", Status::normal));
  auto rep = t.usage();
  REQUIRE(rep.unpriced_models.size() == 1);
  CHECK(rep.unpriced_models[0] == "gpt-99-turbo");
}

TEST_CASE("status: burn-rate and x-ratelimit-remaining forecasts") {
  Config cfg;
  cfg.tick_ms = 5;
  Collector col;
  Tracker t{cfg};
  t.dispatcher().add_callback([&](const Alert& a) { col.add(a); });
  for (int i = 0; i < 40; ++i) {
    Call c = ok_call("f", 1, 1);
    c.rl_remaining_requests = 20;
    c.rl_reset_requests_ms = 60000;
    t.record(c);
    std::this_thread::sleep_for(30ms);  // ~30 req/s: 20 remaining go in < 1 s, reset is 60 s away
  }
  CHECK(col.wait_for("forecast", Status::normal));
  std::lock_guard l(col.mu);
  bool found = false;
  for (auto& a : col.alerts) found |= std::string(a.message).find("requests exhausted in ~") == 0;
  CHECK(found);
}

TEST_CASE("alerts: JSONL sink, bounded queue, drops counted") {
  std::string path = "/tmp/qg_alerts_test_" + std::to_string(::getpid()) + ".jsonl";
  std::remove(path.c_str());
  {
    Dispatcher d(path, "", 100, 16);
    Alert a;
    a.set_kind("status");
    a.set_workspace("w");
    a.set_message("hello \"quoted\"");
    a.mono_ns = steady_ns();
    CHECK(d.emit(a));
    d.stop();
    CHECK(d.stats().delivered == 1);
  }
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  CHECK(line.find("\"message\":\"hello \\\"quoted\\\"\"") != std::string::npos);
  CHECK(line.find("\"text\":") != std::string::npos);
  std::remove(path.c_str());
  // A dead webhook (nothing listens on port 9) never blocks emit().
  Dispatcher d("", "http://127.0.0.1:9/hook", 200, 16);
  auto t0 = std::chrono::steady_clock::now();
  Alert a;
  a.mono_ns = steady_ns();
  int accepted = 0;
  for (int i = 0; i < 1000; ++i) accepted += d.emit(a);
  auto spent = std::chrono::steady_clock::now() - t0;
  CHECK(spent < 1s);  // generous: emit is a queue push
  d.stop();
  auto s = d.stats();
  CHECK(s.emitted == 1000);
  CHECK(s.dropped + s.delivered == 1000);
  CHECK(s.dropped == static_cast<uint64_t>(1000 - accepted));
}

TEST_CASE("config: JSON/TOML shape, per-workspace budgets, validation") {
  Config c;
  std::string err;
  REQUIRE(parse_config_json(R"({"tracker":{"db":"x.db","quota_scope":"workspace"},
      "budgets":{"global":{"usd_per_month":100},"workspace":{"requests_per_minute":60},
                 "workspaces":{"acme":{"tokens_per_day":5000}}},
      "thresholds":{"warning":0.5,"critical":0.9},"alerts":{"webhook":"http://127.0.0.1:1/h"}})", c, err));
  CHECK(c.db_path == "x.db");
  CHECK_FALSE(c.quota_scope_global);
  CHECK(c.global.usd[kMonth] == 100);
  CHECK(c.default_workspace.requests[kMinute] == 60);
  CHECK(c.workspaces.at("acme").tokens[kDay] == 5000);
  CHECK(c.warning == 0.5);
  CHECK_FALSE(parse_config_json(R"({"thresholds":{"warning":0.99,"critical":0.5}})", c, err));
  CHECK_FALSE(parse_config_json(R"({"policy":{"on_exhausted":"pray"}})", c, err));
  CHECK_FALSE(parse_config_json("not json", c, err));
  CHECK(err.rfind("config:", 0) == 0);
  // Integer keys take integers in range (found by fuzzing: 1e306 was converted to int, UB).
  Config fresh;
  CHECK_FALSE(parse_config_json(R"({"alerts":{"queue":11e306}})", fresh, err));
  CHECK(err == "config: alerts.queue must be an integer from 1 to 16777216, got 1.1e+307");
  CHECK_FALSE(parse_config_json(R"({"tracker":{"flush_interval_ms":51844674407370955161600}})", fresh, err));
  CHECK_FALSE(parse_config_json(R"({"alerts":{"queue":-5}})", fresh, err));
  CHECK_FALSE(parse_config_json(R"({"tracker":{"tick_ms":2.5}})", fresh, err));
  Config ok;
  REQUIRE(parse_config_json(R"({"alerts":{"queue":16},"tracker":{"tick_ms":5}})", ok, err));
  CHECK(ok.alert_queue == 16);
}

TEST_CASE("status: most requests failing on the server side is degraded") {
  Config cfg;
  cfg.tick_ms = 5;
  Collector col;
  Tracker t{cfg};
  t.dispatcher().add_callback([&](const Alert& a) { col.add(a); });
  for (int i = 0; i < 6; ++i) {
    Call c = ok_call("d", 0, 0);
    c.http_status = i % 2 ? 503 : 0;  // 5xx and transport errors
    t.record(c);
  }
  CHECK(col.wait_for("status", Status::degraded));
  CHECK(t.status("d") == Status::degraded);
}

TEST_CASE("status: a burn-rate projection warns before the daily budget runs out") {
  Config cfg;
  cfg.tick_ms = 5;
  cfg.default_workspace.tokens[kDay] = 10'000'000;
  Collector col;
  Tracker t{cfg};
  t.dispatcher().add_callback([&](const Alert& a) { col.add(a); });
  // ~2000 tokens/s: far below the budget now, far above it by the end of the day.
  for (int i = 0; i < 30; ++i) {
    t.record(ok_call("burn", 50, 50));
    std::this_thread::sleep_for(50ms);
  }
  CHECK(col.wait_for("forecast", Status::normal));
  std::lock_guard l(col.mu);
  bool found = false;
  for (auto& a : col.alerts)
    found |= std::string(a.code) == "tokens_per_day" && std::string(a.message).find("runs out in ~") != std::string::npos;
  CHECK(found);
  CHECK(t.status("burn") == Status::normal);
}

TEST_CASE("exchange: usage on reads counts once per object, even when a server reuses ids") {
  Tracker t{Config{}};
  auto x = [&](const char* method, const char* url, const char* body) {
    Exchange e;
    e.workspace = "runs";
    e.method = method;
    e.url = url;
    e.http_status = 200;
    e.response_content_type = "application/json";
    e.response_body = body;
    t.record_exchange(e);
  };
  const char* queued = R"({"id":"run_abc123","object":"thread.run","status":"queued","usage":null})";
  const char* done = R"({"id":"run_abc123","object":"thread.run","status":"completed","model":"gpt-4o","usage":{"prompt_tokens":10,"completion_tokens":5}})";
  for (int run = 0; run < 2; ++run) {  // two runs, one id (like the docs' examples)
    x("POST", "/v1/threads/thread_1/runs", queued);
    x("GET", "/v1/threads/thread_1/runs/run_abc123", done);   // poll: completed
    x("GET", "/v1/threads/thread_1/runs/run_abc123", done);   // a later retrieve
  }
  x("POST", "/v1/responses", R"({"id":"resp_1","status":"completed","model":"gpt-4o","usage":{"input_tokens":7,"output_tokens":3}})");
  x("GET", "/v1/responses/resp_1", R"({"id":"resp_1","status":"completed","model":"gpt-4o","usage":{"input_tokens":7,"output_tokens":3}})");
  auto u = t.usage("runs").total.totals;
  CHECK(u.v[kInput] == 2 * 10 + 7);
  CHECK(u.v[kOutput] == 2 * 5 + 3);
  CHECK(u.v[kRequests] == 8);
}
