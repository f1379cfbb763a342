// Every public entry point at once: callers recording (some hitting insufficient_quota, some
// over budget), readers asking status/check/usage, explicit flushes beside the background
// flusher, alert callbacks added and removed. Cheap here; under ThreadSanitizer (tracker_tsan)
// it is what reaches the paths the exact-count thread test does not: alerts, budgets, history.
#include <doctest/doctest.h>


#include <atomic>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "calls.h"
#include "instants.h"
#include "temp_tree.h"
#include "tracker.h"

using namespace qg::tracker;

TEST_CASE("concurrency: recording, reading, flushing and alert callbacks at once stay exact") {
  const qg::test::TempTree dir;
  Config cfg;
  cfg.db_path = (dir / "history.db").string();
  cfg.alerts_jsonl = (dir / "alerts.jsonl").string();
  cfg.flush_interval_ms = 10;
  cfg.tick_ms = 2;
  cfg.default_workspace.requests[kDay] = 150;  // some workspaces run over: budget states flip
  std::atomic<uint64_t> sent{0}, alerts{0};
  std::atomic<bool> done{false};
  {
    Tracker t{cfg};
    std::vector<std::thread> threads;
    for (int w = 0; w < 4; ++w)
      threads.emplace_back([&, w] {
        const std::string ws = "ws" + std::to_string(w % 2);
        for (int i = 0; i < 400; ++i) {
          Call c;
          c.workspace = ws;
          c.method = "POST";
          c.path = "/v1/chat/completions";
          c.model = i % 3 ? "gpt-4o" : "gpt-4o-mini";
          c.http_status = 200;
          c.input_tokens = 3;
          c.output_tokens = 2;
          if (w == 3 && i % 97 == 0) {  // the API says the quota is gone, then works again
            c.http_status = 429;
            c.error_type = c.error_code = "insufficient_quota";
            c.error_message = "You exceeded your current quota";
          }
          t.record(c);
          sent.fetch_add(1);
        }
      });
    threads.emplace_back([&] {
      while (!done.load()) {
        for (const char* ws : {"ws0", "ws1", ""}) {
          CHECK(static_cast<int>(t.status(ws)) >= 0);
          const CheckResult r = t.check(ws);
          CHECK((r.action == CheckResult::allow) == r.code.empty());
        }
        t.usage("ws0");
        t.dispatcher().stats();
      }
    });
    threads.emplace_back([&] {
      while (!done.load()) t.flush();
    });
    threads.emplace_back([&] {
      while (!done.load()) {
        const int id = t.dispatcher().add_callback([&](const Alert&) { alerts.fetch_add(1); });
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        t.dispatcher().remove_callback(id);
      }
    });
    for (int w = 0; w < 4; ++w) threads[w].join();
    done.store(true);
    for (std::size_t i = 4; i < threads.size(); ++i) threads[i].join();
    CHECK(t.usage().total.totals.v[kRequests] == sent.load());
    t.shutdown();
  }
}

TEST_CASE("concurrency: an evaluation that read the counts before a budget was crossed does not undo it") {
  // The call that uses up the budget is recorded inside an evaluation, after it read the counts
  // (the hook): the recording thread exhausts the budget, and that evaluation, a call short, set
  // it back to normal, so the next call went out until another evaluation came (with a long
  // tick, none). Seen under ThreadSanitizer as the budget test's rare failure.
  Config cfg;
  cfg.global.requests[kMinute] = 2;
  cfg.tick_ms = 60000;
  cfg.clock = testing::midday();
  const std::thread::id me = std::this_thread::get_id();
  std::atomic<bool> armed{false};
  Tracker* tracker = nullptr;
  cfg.after_counts_read = [&] {  // only in this thread's evaluation below, once
    if (std::this_thread::get_id() == me && armed.exchange(false)) tracker->record(testing::ok_call("b", 1, 1));
  };
  Tracker t{cfg};
  tracker = &t;
  t.record(testing::ok_call("a", 1, 1));
  CHECK(t.check("c").action == CheckResult::allow);
  armed = true;
  t.evaluate();  // reads 1 call; the second is recorded before it sets the status
  REQUIRE_FALSE(armed);
  const CheckResult third = t.check("c");
  CHECK(third.action == CheckResult::block);
  CHECK(third.code == "budget:requests_per_minute");
}
