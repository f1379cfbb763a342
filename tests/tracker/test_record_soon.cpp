// record_soon (record_soon.cpp): a 2xx recorded by the tracker's own thread while nothing it
// could change is needed at once. Whatever reads what it adds (usage, the history) sees it at
// once; a success that may clear an account's state, and every exchange under a budget, is
// recorded by the caller as before.
#include <doctest/doctest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "sqlite_scalar.h"
#include "temp_tree.h"
#include "tracker.h"

using namespace qg::tracker;
using namespace std::chrono_literals;

namespace {
constexpr std::string_view kBody =
    R"({"id":"chatcmpl-1","object":"chat.completion","model":"gpt-4o-2024-08-06",)"
    R"("choices":[{"index":0,"message":{"role":"assistant","content":"Hello."},"finish_reason":"stop"}],)"
    R"("usage":{"prompt_tokens":12,"completion_tokens":5,"total_tokens":17}})";

Exchange chat(std::string_view ws, int status = 200, std::string_view body = kBody) {
  Exchange x;
  x.workspace = ws;
  x.method = "POST";
  x.url = "/v1/chat/completions";
  x.request_content_type = "application/json";
  x.request_body = R"({"model":"gpt-4o","messages":[{"role":"user","content":"Hi"}]})";
  x.http_status = status;
  x.response_content_type = "application/json";
  x.response_body = body;
  x.api_key = "sk-test-0123456789abcdef";
  x.latency_ns = 1'000'000;
  return x;
}
}  // namespace

TEST_CASE("record soon: usage() counts it at once, to the token") {
  Tracker t{Config{}};
  for (int i = 0; i < 3; ++i) CHECK(t.record_soon(chat("a")) == Status::normal);
  const UsageReport u = t.usage();
  CHECK(u.total.totals.v[kRequests] == 3);
  CHECK(u.total.totals.v[kInput] == 36);
  CHECK(u.total.totals.v[kOutput] == 15);
  CHECK(u.by_model.count("gpt-4o-2024-08-06") == 1);
}

TEST_CASE("record soon: the evaluation thread records it without being asked") {
  Config cfg;
  cfg.tick_ms = 5;
  Tracker t{cfg};
  t.record_soon(chat("e"));
  std::this_thread::sleep_for(100ms);  // (no assertion on time: only that it happened unasked)
  t.evaluate();                        // an evaluation counts it as well: usage() finds it recorded
  CHECK(t.usage("e").total.totals.v[kRequests] == 1);
}

TEST_CASE("record soon: a success that may clear an exhausted account is recorded at once") {
  Tracker t{Config{}};
  Exchange quota = chat("q", 429,
                        R"({"error":{"message":"You exceeded your current quota","type":"insufficient_quota",)"
                        R"("param":null,"code":"insufficient_quota"}})");
  t.record_exchange(quota);
  REQUIRE(t.check("q").action == CheckResult::block);
  std::this_thread::sleep_for(2ms);  // sent after the state changed
  Exchange ok = chat("q");
  ok.sent_ns = 0;  // (sent now, by the latency)
  t.record_soon(ok);
  CHECK(t.check("q").action == CheckResult::allow);  // left for later, it would still block here
}

TEST_CASE("record soon: under a budget the caller records it (the next check needs its counts)") {
  Config cfg;
  cfg.default_workspace.requests[kMinute] = 1;
  Tracker t{cfg};
  t.record_soon(chat("b"));
  CHECK(t.check("b").action == CheckResult::block);
}

TEST_CASE("record soon: flush() writes what is pending to the history") {
  const qg::test::TempTree tmp;
  const std::string db = (tmp / "history.db").string();
  Config cfg;
  cfg.db_path = db;
  cfg.share_host = false;  // (a shared state takes the full path: other processes read its counts)
  cfg.flush_interval_ms = 3'600'000;
  Tracker t{cfg};
  for (int i = 0; i < 4; ++i) t.record_soon(chat("h"));
  t.flush();
  CHECK(testing::sqlite_scalar(db, "SELECT COUNT(*) FROM ledger") == 4);
}

TEST_CASE("record soon: the history dates it when it was handed over, not when it was drained") {
  const qg::test::TempTree tmp;
  const std::string db = (tmp / "history.db").string();
  constexpr int64_t kAt = 1'709'251'080'000;  // 2024-02-29T23:58:00Z
  auto clock = std::make_shared<quotaguard::ManualClock>(kAt);
  Config cfg;
  cfg.db_path = db;
  cfg.share_host = false;
  cfg.flush_interval_ms = 3'600'000;
  cfg.clock = clock;
  Tracker t{cfg};
  t.record_soon(chat("d"));
  clock->advance(150'000);  // drained two and a half minutes later, in another minute
  t.flush();
  CHECK(testing::sqlite_scalar(db, "SELECT MIN(ts_ms) FROM ledger") == kAt);
  CHECK(testing::sqlite_scalar(db, "SELECT MAX(ts_ms) FROM ledger") == kAt);
}

TEST_CASE("record soon: many threads, a reader, a ring that fills: every exchange counted once") {
  Tracker t{Config{}};
  constexpr int kThreads = 4, kEach = 3000;  // > a ring's worth per thread before any drain
  std::atomic<bool> done{false};
  std::thread reader([&] {
    while (!done.load()) (void)t.usage();
  });
  std::vector<std::thread> writers;
  for (int w = 0; w < kThreads; ++w)
    writers.emplace_back([&, w] {
      const std::string ws = "w" + std::to_string(w);
      for (int i = 0; i < kEach; ++i) t.record_soon(chat(ws));
    });
  for (auto& th : writers) th.join();
  done = true;
  reader.join();
  const UsageReport u = t.usage();
  CHECK(u.total.totals.v[kRequests] == kThreads * kEach);
  CHECK(u.total.totals.v[kInput] == 12ull * kThreads * kEach);
}
