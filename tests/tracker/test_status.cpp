#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <mutex>
#include <thread>
#include <vector>

#include "calls.h"
#include "instants.h"
#include "temp_tree.h"
#include "tracker.h"

using namespace qg::tracker;
using namespace std::chrono_literals;
using testing::ok_call;

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
  cfg.clock = testing::midday();  // a day budget: away from midnight
  cfg.fallback_model = "gpt-4o-mini";  // a used-up budget sends with it
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
  const qg::test::TempTree tmp;
  const std::string path = (tmp / "alerts.jsonl").string();
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

// Issue 20: "an alert within 10 ms" as a mechanism, not a clock (no wall-clock bound in tests;
// bench_tracker's BM_*alert_latency measure the distribution). The dispatcher sleeps until a
// call signals it, so it never wakes while idle (a dispatcher polling every few ms would); a
// budget's warning (the evaluation thread's; exhaustion is raised by the recording call itself)
// is evaluated after the call that crossed it, not at the next idle tick (here an hour away).
TEST_CASE("alerts: delivered when a call signals, never by a poll or the idle tick") {
  Collector col;
  Config cfg;
  cfg.tick_ms = 3'600'000;
  cfg.workspaces["small"].requests[kDay] = 10;  // warning at 8
  Tracker t{cfg};
  t.dispatcher().add_callback([&](const Alert& a) { col.add(a); });
  // Each wakeup is caused by an alert emitted (a poll would wake with none): over an idle
  // stretch, no more wakeups than alerts (late ones of the same event may still come), give or
  // take the one an alert emitted just before the stretch may still owe.
  auto idle_wakes_only_for_alerts = [&] {
    const auto before = t.dispatcher().stats();
    std::this_thread::sleep_for(300ms);
    const auto after = t.dispatcher().stats();
    CHECK(after.wakeups - before.wakeups <= after.emitted - before.emitted + 1);
  };
  idle_wakes_only_for_alerts();
  CHECK(t.dispatcher().stats().wakeups == 0);

  Call q = ok_call("acme", 0, 0);
  q.http_status = 429;
  q.error_code = "insufficient_quota";
  t.record(q);
  REQUIRE(col.wait_for("status", Status::exhausted, 20s));
  const auto after_alert = t.dispatcher().stats();
  CHECK(after_alert.wakeups >= 1);
  CHECK(after_alert.wakeups <= after_alert.emitted);
  idle_wakes_only_for_alerts();

  Collector budget;
  Tracker b{cfg};
  b.dispatcher().add_callback([&](const Alert& a) {
    if (std::string_view(a.workspace) == "small") budget.add(a);
  });
  for (int i = 0; i < 8; ++i) b.record(ok_call("small", 1, 1));
  CHECK(budget.wait_for("status", Status::warning, 20s));
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

// It failed about once in 40 runs: when the tracker started in a second divisible by 64, the
// sliding minute took the first calls' own total as its base and read an empty minute.
TEST_CASE("status: the sliding minute counts the first calls whatever second the tracker starts in") {
  for (int64_t start_sec : {1773619200LL, 1773619201LL, 1773619263LL}) {  // 1773619200 % 64 == 0
    CAPTURE(start_sec);
    Windows w(1, start_sec * 1000 + 250);
    const Amounts six{6, 0, 0, 3};
    w.update(0, six, start_sec * 1000 + 300);
    CHECK(w.used(0, kMinute).requests == 6);
    CHECK(w.used(0, kMinute).server_errors == 3);
    w.update(0, six, start_sec * 1000 + 1300);  // a second later, nothing new: still in the minute
    CHECK(w.used(0, kMinute).requests == 6);
    w.update(0, six, start_sec * 1000 + 61300);  // a minute later: out of it
    CHECK(w.used(0, kMinute).requests == 0);
  }
  Config cfg;
  cfg.tick_ms = 5;
  cfg.clock = std::make_shared<OffsetClock>(1773619200LL * 1000);
  Collector col;
  Tracker t{cfg};
  t.dispatcher().add_callback([&](const Alert& a) { col.add(a); });
  for (int i = 0; i < 6; ++i) {
    Call c = ok_call("d", 0, 0);
    c.http_status = 503;
    t.record(c);
  }
  CHECK(col.wait_for("status", Status::degraded));
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

TEST_CASE("exchange: a call that ran is never a silent zero; absurd usage is flagged") {
  Tracker t{Config{}};
  auto x = [&](const char* ws, const char* url, const char* ctype, const char* body) {
    Exchange e;
    e.workspace = ws;
    e.method = "POST";
    e.url = url;
    e.request_content_type = "application/json";
    e.request_body = R"({"model":"gpt-4o","messages":[{"role":"user","content":"Say hello to the world."}]})";
    e.http_status = 200;
    e.response_content_type = ctype;
    e.response_body = body;
    t.record_exchange(e);
    return t.usage(ws).total.totals;
  };
  auto missing = x("a", "/v1/chat/completions", "application/json", R"({"id":"c","model":"gpt-4o","choices":[]})");
  CHECK((missing.v[kEstimated] == 1 && missing.v[kAnomalies] == 0 && missing.v[kInput] > 0 && missing.v[kOutput] > 0));
  auto html = x("b", "/v1/chat/completions", "text/html", "<html><body>Bad gateway</body></html>");
  CHECK((html.v[kEstimated] == 1 && html.v[kAnomalies] == 1 && html.v[kInput] > 0));
  auto absurd = x("c", "/v1/chat/completions", "application/json",
                  R"({"id":"c","model":"gpt-4o","usage":{"prompt_tokens":18446744073709551615,"completion_tokens":1e30}})");
  CHECK((absurd.v[kEstimated] == 1 && absurd.v[kAnomalies] == 1));
  CHECK((absurd.v[kInput] < 1000 && absurd.v[kOutput] < 1000 && absurd.v[kInput] > 0));
  auto queued = x("d", "/v1/threads/thread_1/runs", "application/json", R"({"id":"run_1","status":"queued","usage":null})");
  CHECK((queued.v[kEstimated] == 0 && queued.v[kInput] == 0));  // its usage comes with the poll that completes it
  auto speech = x("e", "/v1/audio/speech", "audio/mpeg", "ID3\x01\x02");
  CHECK((speech.v[kEstimated] == 0 && speech.v[kAnomalies] == 0));  // binary where binary belongs
}

TEST_CASE("budgets: the call that uses up a budget blocks the next one at once, global budgets too") {
  Config cfg;
  cfg.global.requests[kMinute] = 2;
  cfg.workspaces["small"].usd[kDay] = 0.05;
  cfg.tick_ms = 60000;  // no evaluation in between: the recording thread decides
  cfg.clock = testing::midday();
  Tracker t{cfg};
  t.record(ok_call("a", 1, 1));
  CHECK(t.check("a").action == CheckResult::allow);
  // The first call after a quiet spell wakes the evaluation thread; let that evaluation pass, so
  // it does not straddle the next call (one evaluating while a call is recorded may count that
  // call late, until the next evaluation: budgets.cpp; an undone crossing is test_concurrency's).
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  t.record(ok_call("b", 1, 1));
  for (const char* ws : {"a", "b", "never-seen"}) {
    auto chk = t.check(ws);
    CHECK(chk.action == CheckResult::block);
    CHECK(chk.code == "budget:requests_per_minute");
    CHECK(chk.message.find("global") != std::string::npos);
  }
  Config usd;
  usd.workspaces["small"].usd[kDay] = 0.05;
  usd.tick_ms = 60000;
  usd.clock = testing::midday();
  Tracker u{usd};
  Call image = ok_call("small", 0, 0);
  image.path = "/v1/images/generations";
  image.model = "dall-e-3";  // $0.04 an image
  image.images = 1;
  u.record(image);
  CHECK(u.check("small").action == CheckResult::allow);
  u.record(image);
  CHECK(u.check("small").code == "budget:usd_per_day");
  CHECK(u.check("other").action == CheckResult::allow);
}

TEST_CASE("api: only a success sent after the exhaustion clears it") {
  Tracker t{Config{}};
  Call early = ok_call("w", 1, 1);
  early.sent_ns = steady_ns();  // sent now, answered after the quota error below
  Call q = ok_call("w", 0, 0);
  q.http_status = 429;
  q.error_code = "insufficient_quota";
  t.record(q);
  t.record(early);
  CHECK(t.status("w") == Status::exhausted);
  Call later = ok_call("w", 1, 1);
  later.sent_ns = steady_ns();
  t.record(later);
  CHECK(t.status("w") == Status::normal);
}

TEST_CASE("api: failover goes to the next account that is not exhausted, then blocks") {
  Config cfg;
  cfg.on_exhausted = "failover";
  cfg.accounts = {"b", "c"};
  Collector col;
  Tracker t{cfg};
  t.dispatcher().add_callback([&](const Alert& a) { col.add(a); });
  Call q = ok_call("w", 0, 0);
  q.http_status = 429;
  q.error_code = "insufficient_quota";
  CHECK(t.check("w").action == CheckResult::allow);
  t.record(q);  // primary
  auto chk = t.check("w");
  CHECK((chk.action == CheckResult::failover && chk.account == 1));
  CHECK(t.status("w") == Status::normal);  // calls go through, on b
  CHECK(col.wait_for("failover", Status::normal));
  q.account = 1;
  t.record(q);
  CHECK(t.check("other").account == 2);
  q.account = 2;
  t.record(q);
  chk = t.check("w");
  CHECK(chk.action == CheckResult::block);
  CHECK(chk.message.rfind("every account is exhausted", 0) == 0);
  CHECK(t.status("w") == Status::exhausted);
  auto accounts = t.accounts();
  REQUIRE(accounts.size() == 3);
  CHECK((accounts[0].name == "primary" && accounts[2].name == "c" && accounts[2].status == Status::exhausted));
  // configure(): a successor keeps what the API said
  Tracker next{cfg};
  next.restore(t.api_snapshot());
  CHECK(next.check("w").action == CheckResult::block);
  next.reset("");
  CHECK(next.check("w").action == CheckResult::allow);
}
