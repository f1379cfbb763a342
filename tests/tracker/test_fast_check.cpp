// check()'s fast path (api_state.cpp): while every account is normal and nothing else can refuse
// a call, check() answers from two loads. Each case here reaches a state other than normal from
// one the fast path answered (a fresh tracker, or one evaluated since), so a writer that forgets
// to say it changed an account's state lets the call out, or reports it normal.
#include <doctest/doctest.h>

#include <chrono>
#include <thread>

#include "calls.h"
#include "instants.h"
#include "tracker.h"

using namespace qg::tracker;
using namespace std::chrono_literals;
using testing::ok_call;

namespace {
Call answered(std::string_view ws, int http_status, std::string_view code, int64_t retry_after_ms = 0) {
  Call c = ok_call(ws, 0, 0);
  c.http_status = http_status;
  c.error_code = code;
  c.retry_after_ms = retry_after_ms;
  return c;
}
}  // namespace

TEST_CASE("fast check: a rate limit shows at once, and its end after the next evaluation") {
  Tracker t{Config{}};
  t.evaluate();
  CHECK(t.check("w").status == Status::normal);
  t.record(answered("w", 429, "rate_limit_exceeded", 60'000));
  const CheckResult limited = t.check("w");
  CHECK(limited.status == Status::rate_limited);
  CHECK(limited.action == CheckResult::allow);  // rate limits are the SDK's to retry
  t.evaluate();  // still limited: the evaluation must not declare it clean
  CHECK(t.check("w").status == Status::rate_limited);
  t.record(answered("w", 429, "rate_limit_exceeded", 30));  // a later limit, shorter
  std::this_thread::sleep_for(60ms);
  CHECK(t.check("w").status == Status::normal);
  t.evaluate();
  CHECK(t.check("w").status == Status::normal);
  t.record(answered("w", 429, "rate_limit_exceeded", 60'000));  // limited again after a clean evaluation
  CHECK(t.check("w").status == Status::rate_limited);
}

TEST_CASE("fast check: exhaustion blocks the next call; a success sent after it clears it") {
  Tracker t{Config{}};
  t.evaluate();
  t.record(answered("a", 429, "insufficient_quota"));
  CHECK(t.check("a").action == CheckResult::block);
  CHECK(t.check("b").action == CheckResult::block);  // one key, one quota
  t.evaluate();
  CHECK(t.check("a").action == CheckResult::block);
  std::this_thread::sleep_for(2ms);  // (sent after the state changed)
  t.record(ok_call("a", 1, 1));
  CHECK(t.check("a").action == CheckResult::allow);
  t.evaluate();
  CHECK(t.check("a").action == CheckResult::allow);
  t.record(answered("a", 429, "insufficient_quota"));
  CHECK(t.check("a").action == CheckResult::block);
}

TEST_CASE("fast check: a state restored into a tracker that answered fast") {
  Tracker before{Config{}};
  before.record(answered("r", 429, "insufficient_quota"));
  const ApiSnapshot snap = before.api_snapshot();
  Tracker after{Config{}};
  after.evaluate();
  CHECK(after.check("r").action == CheckResult::allow);
  after.restore(snap);
  CHECK(after.check("r").action == CheckResult::block);
}

TEST_CASE("fast check: per-workspace quotas; a reset") {
  Config cfg;
  cfg.quota_scope_global = false;
  Tracker t{cfg};
  t.evaluate();
  t.record(answered("x", 429, "insufficient_quota"));
  CHECK(t.check("x").action == CheckResult::block);
  CHECK(t.check("y").action == CheckResult::allow);
  t.evaluate();
  CHECK(t.check("x").action == CheckResult::block);
  t.reset("x");
  CHECK(t.check("x").action == CheckResult::allow);
  t.record(answered("y", 429, "insufficient_quota"));
  CHECK(t.check("y").action == CheckResult::block);
  CHECK(t.check("x").action == CheckResult::allow);
}

TEST_CASE("fast check: a budget is always checked in full") {
  Config cfg;
  cfg.default_workspace.requests[kDay] = 1;
  cfg.clock = testing::midday();  // a day budget: away from midnight
  Tracker t{cfg};
  t.evaluate();
  t.record(ok_call("b", 1, 1));
  CHECK(t.check("b").action == CheckResult::block);  // (no fallback model configured)
}
