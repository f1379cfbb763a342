// Everything that depends on the calendar, at fixed instants: early in the UTC day, one minute
// before midnight, across a month end and a leap day. The tracker reads an injected clock, so
// these hold whenever the suite runs.
#include <doctest/doctest.h>

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "calls.h"
#include "instants.h"
#include "temp_tree.h"
#include "tracker.h"
#include "utc_calendar.h"
#include "window.h"

using namespace qg::tracker;
using qg::tracker::testing::at;

namespace {

struct Instant {
  const char* name;
  const char* iso;
  double day_left_s, month_left_s;  // what the calendar says is left at that instant
};

const Instant kInstants[] = {
    {"early in the day", "2026-03-15T00:01:00Z", 86340, 16 * 86400 + 86340},
    {"one minute before midnight", "2026-03-15T23:59:00Z", 60, 16 * 86400 + 60},
    {"one minute before a month ends", "2026-01-31T23:59:00Z", 60, 60},
    {"one minute before a leap day ends (and February)", "2024-02-29T23:59:00Z", 60, 60},
    {"the eve of a leap day", "2024-02-28T23:59:00Z", 60, 86400 + 60},
};

struct Alerts {
  std::mutex mu;
  std::vector<Alert> got;
  std::vector<Alert> of(const std::string& kind) {
    std::lock_guard l(mu);
    std::vector<Alert> out;
    for (auto& a : got)
      if (kind == a.kind) out.push_back(a);
    return out;
  }
};

Call tokens(uint64_t n) { return testing::ok_call("cal", n / 2, n - n / 2); }

// A tracker on a manual clock; the background evaluation is slowed down and every step is
// evaluated explicitly, so each run sees exactly the same sequence of instants.
struct Pinned {
  std::shared_ptr<ManualClock> clock;
  Alerts alerts;
  std::unique_ptr<Tracker> t;
  Pinned(int64_t start_ms, Config cfg) : clock(std::make_shared<ManualClock>(start_ms)) {
    cfg.clock = clock;
    cfg.tick_ms = 60000;
    t = std::make_unique<Tracker>(std::move(cfg));
    t->dispatcher().add_callback([this](const Alert& a) {
      std::lock_guard l(alerts.mu);
      alerts.got.push_back(a);
    });
  }
  void step(int64_t ms, uint64_t n) {  // ms later, a call of n tokens
    clock->advance(ms);
    t->record(tokens(n));
    t->evaluate();
  }
  void settle() {  // let the dispatcher deliver what the evaluations raised
    t->dispatcher().stop();
  }
};

}  // namespace

TEST_CASE("calendar: UTC day and month boundaries at fixed instants") {
  for (const Instant& in : kInstants) {
    CAPTURE(in.name);
    const int64_t now = at(in.iso);
    CHECK(Windows::seconds_left(kDay, now) == doctest::Approx(in.day_left_s));
    CHECK(Windows::seconds_left(kMonth, now) == doctest::Approx(in.month_left_s));
    CHECK(utc_day_start_ms(now) + 86400000 - now == static_cast<int64_t>(in.day_left_s * 1000));
    CHECK(utc_next_month_start_ms(now) - now == static_cast<int64_t>(in.month_left_s * 1000));
    CHECK(utc_month_start_ms(now) <= utc_day_start_ms(now));
  }
  CHECK(utc_next_month_start_ms(at("2024-02-29T23:59:00Z")) == at("2024-03-01T00:00:00Z"));
  CHECK(utc_month_start_ms(at("2024-02-29T23:59:00Z")) == at("2024-02-01T00:00:00Z"));
  CHECK(utc_next_month_start_ms(at("2026-12-31T23:59:59Z")) == at("2027-01-01T00:00:00Z"));
}

// 100 tokens a second for ten seconds ending at the instant: 1,000 used, a rate of 100/s. A
// budget that this rate would use up before the period ends warns once; one that it would not
// stays quiet. Both budgets are far from the warning threshold, so only the projection speaks.
TEST_CASE("calendar: the burn-rate forecast at fixed instants, for day and month budgets") {
  for (const Instant& in : kInstants) {
    for (int period : {kDay, kMonth}) {
      const double left = period == kDay ? in.day_left_s : in.month_left_s;
      for (bool runs_out : {true, false}) {
        CAPTURE(in.name);
        CAPTURE(period_name(period));
        CAPTURE(runs_out);
        const double budget = 1000 + 100 * left * (runs_out ? 0.5 : 2.0);
        Config cfg;
        cfg.default_workspace.tokens[period] = budget;
        Pinned p(at(in.iso) - 10000, cfg);
        for (int s = 0; s < 10; ++s) p.step(1000, 100);
        CHECK(p.t->status("cal") == Status::normal);
        p.settle();
        auto fc = p.alerts.of("forecast");
        REQUIRE(fc.size() == (runs_out ? 1u : 0u));
        if (runs_out) {
          CHECK(std::string(fc[0].code) == std::string("tokens_per_") + period_name(period));
          CHECK(std::string(fc[0].message).find(std::string("before the ") + period_name(period) + " ends") !=
                std::string::npos);
        }
      }
    }
  }
}

TEST_CASE("calendar: day and month budgets start afresh at the UTC boundary, not before") {
  struct Crossing {
    const char* before;
    const char* after;
    bool new_month;
  };
  const Crossing kCrossings[] = {
      {"2026-03-15T23:59:30Z", "2026-03-16T00:00:30Z", false},
      {"2026-01-31T23:59:30Z", "2026-02-01T00:00:30Z", true},
      {"2024-02-28T23:59:30Z", "2024-02-29T00:00:30Z", false},  // the leap day is still February
      {"2024-02-29T23:59:30Z", "2024-03-01T00:00:30Z", true},
      {"2026-12-31T23:59:30Z", "2027-01-01T00:00:30Z", true},
  };
  for (const Crossing& c : kCrossings) {
    CAPTURE(c.before);
    for (int period : {kDay, kMonth}) {
      CAPTURE(period_name(period));
      Config cfg;
      cfg.default_workspace.tokens[period] = 1000;
      Pinned p(at(c.before), cfg);
      p.step(0, 900);  // 90%: warning
      CHECK(p.t->status("cal") == Status::warning);
      p.clock->set(at(c.before) + 29000);  // one second before midnight: still the same period
      p.t->evaluate();
      CHECK(p.t->status("cal") == Status::warning);
      p.clock->set(at(c.after));
      p.t->evaluate();
      const bool fresh = period == kDay || c.new_month;
      CHECK(p.t->status("cal") == (fresh ? Status::normal : Status::warning));
      p.step(0, 200);  // the new period holds only this call (or the old one continues)
      CHECK(p.t->status("cal") == (fresh ? Status::normal : Status::exhausted));
    }
  }
}

TEST_CASE("calendar: after a restart, the history's day and month so far count, cut at UTC boundaries") {
  struct Restart {
    const char* written;
    const char* restarted;
    bool same_day, same_month;
  };
  const Restart kRestarts[] = {
      {"2024-02-29T23:59:00Z", "2024-02-29T23:59:30Z", true, true},
      {"2024-02-28T23:59:00Z", "2024-02-29T00:00:30Z", false, true},
      {"2024-02-29T23:59:00Z", "2024-03-01T00:00:30Z", false, false},
      {"2026-03-15T00:01:00Z", "2026-03-15T00:02:00Z", true, true},
  };
  // The history and the host state beside it (a restart keeps both): removed before each case.
  const qg::test::TempTree tmp;
  const std::string db = (tmp / "calendar.db").string();
  for (const Restart& r : kRestarts) {
    for (int period : {kDay, kMonth}) {
      CAPTURE(r.restarted);
      CAPTURE(period_name(period));
      for (const char* suffix : {"", "-wal", "-shm", ".state"}) std::filesystem::remove(db + suffix);
      Config cfg;
      cfg.db_path = db;
      cfg.default_workspace.requests[period] = 10;
      {
        Pinned p(at(r.written), cfg);
        for (int i = 0; i < 6; ++i) p.step(0, 10);
        p.t->flush();
      }
      Pinned p(at(r.restarted), cfg);
      for (int i = 0; i < 3; ++i) p.step(0, 10);  // 9 of 10 if the earlier 6 still count
      const bool counts = period == kDay ? r.same_day : r.same_month;
      CHECK(p.t->status("cal") == (counts ? Status::warning : Status::normal));
    }
  }
  for (const char* suffix : {"", "-wal", "-shm", ".state"}) std::filesystem::remove(db + suffix);
}
