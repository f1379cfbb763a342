// A process that embeds the tracker and makes no calls must not pay for it: its threads sleep
// until a call, a tick or a flush is due (counted by the kernel: each thread's voluntary
// context switches). Before, the evaluation thread woke every 2 ms and the flusher every 20 ms.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "calls.h"
#include "instants.h"
#include "temp_tree.h"
#include "tracker.h"

using namespace qg::tracker;
using namespace std::chrono_literals;

namespace {
// Voluntary context switches of this process's threads, by thread name (summed per name).
std::map<std::string, long> wakes_by_thread() {
  std::map<std::string, long> out;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::string name;
    std::getline(std::ifstream(task.path() / "comm"), name);
    std::ifstream status(task.path() / "status");
    for (std::string line; std::getline(status, line);)
      if (line.rfind("voluntary_ctxt_switches:", 0) == 0) out[name] += std::stol(line.substr(24));
  }
  return out;
}
}  // namespace

TEST_CASE("idle: the evaluation and flush threads sleep until something is due") {
  const qg::test::TempTree tmp;
  Config cfg;
  cfg.db_path = (tmp / "history.db").string();
  cfg.tick_ms = 250;             // 4 evaluations a second with no call
  cfg.flush_interval_ms = 500;   // 2 flushes a second
  cfg.clock = testing::midday();
  Tracker t{cfg};
  t.record(testing::ok_call("acme", 10, 5));  // busy for a moment, then quiet
  std::this_thread::sleep_for(100ms);
  const auto before = wakes_by_thread();
  REQUIRE(before.count("qg-evaluate") == 1);
  REQUIRE(before.count("qg-flush") == 1);
  std::this_thread::sleep_for(1s);
  const auto after = wakes_by_thread();
  // Due in that second: ~4 ticks and ~2 flushes (a slow machine wakes fewer times, never more;
  // the bound leaves room for a few spurious wakes). Polling had 500 and 50.
  CHECK(after.at("qg-evaluate") - before.at("qg-evaluate") <= 12);
  CHECK(after.at("qg-flush") - before.at("qg-flush") <= 8);
  t.shutdown();
}

TEST_CASE("idle: the first call after a quiet spell is evaluated at once, not at the next tick") {
  Config cfg;
  cfg.tick_ms = 3'600'000;
  cfg.workspaces["small"].requests[kDay] = 10;  // warning at 8
  cfg.clock = testing::midday();
  Tracker t{cfg};
  std::this_thread::sleep_for(50ms);  // the evaluation thread is asleep until the tick, an hour away
  for (int i = 0; i < 9; ++i) t.record(testing::ok_call("small", 1, 1));
  Status s = Status::normal;
  for (int i = 0; i < 4000 && s == Status::normal; ++i) {  // (waits; asserts no time)
    std::this_thread::sleep_for(5ms);
    s = t.status("small");
  }
  CHECK(s == Status::warning);
}

TEST_CASE("busy without budgets: the evaluation thread wakes at its tick, not every 10 ms") {
  // With no budget there is nothing an evaluation could tell 10 ms sooner; each wake cost ~90 µs
  // of CPU on a 2-core VM, ~100 a second under traffic.
  Config cfg;
  cfg.tick_ms = 250;
  cfg.clock = testing::midday();
  Tracker t{cfg};
  std::this_thread::sleep_for(50ms);
  const auto before = wakes_by_thread();
  REQUIRE(before.count("qg-evaluate") == 1);
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 500; ++i) {  // calls keep coming for a second or more
    t.record(testing::ok_call("acme", 10, 5));
    std::this_thread::sleep_for(2ms);
  }
  const auto after = wakes_by_thread();
  // The bound follows however long that took (no time is asserted): one wake per tick, the first
  // call's, and room for a few spurious ones. Every 10 ms would be 25 times the ticks.
  const auto ticks = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start) / 250ms;
  CHECK(after.at("qg-evaluate") - before.at("qg-evaluate") <= ticks + 8);
  CHECK(t.usage("acme").total.totals.v[kRequests] == 500);
  t.shutdown();
}

TEST_CASE("busy without budgets: shutdown does not wait for the next tick") {
  // Between evaluations under traffic the thread sleeps up to tick_ms (an hour here); shutdown
  // wakes it. (The bound below only tells a hang from a slow machine.)
  Config cfg;
  cfg.tick_ms = 3'600'000;
  cfg.clock = testing::midday();
  auto* t = new Tracker{cfg};
  for (int i = 0; i < 20; ++i) {
    t->record(testing::ok_call("acme", 10, 5));
    std::this_thread::sleep_for(5ms);  // the first call woke the thread; it evaluated and sleeps
  }
  auto done = std::make_shared<std::atomic<bool>>(false);  // (outlives the test if it hangs)
  std::thread([t, done] {
    t->shutdown();
    *done = true;
  }).detach();
  for (int i = 0; i < 12000 && !*done; ++i) std::this_thread::sleep_for(10ms);  // (waits; asserts no time)
  REQUIRE(*done);
  CHECK(t->usage("acme").total.totals.v[kRequests] == 20);
  delete t;
}
