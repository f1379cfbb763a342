// What happens past the tracker's fixed capacities: names beyond the intern table, ledger rows
// beyond a thread's ring between flushes. Totals stay exact; what is folded or dropped is said.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "calls.h"
#include "instants.h"
#include "intern.h"
#include "shard.h"
#include "sqlite_scalar.h"
#include "temp_tree.h"
#include "tracker.h"

using namespace qg::tracker;

using testing::ok_call;

TEST_CASE("names: past the intern table's 1023 names, calls land in (other) and still count") {
  Tracker t{Config{}};
  constexpr int kNames = InternTable::kCapacity + 76;
  for (int i = 0; i < kNames; ++i) t.record(ok_call("team-" + std::to_string(i), 10, 3));
  UsageReport u = t.usage();
  CHECK(u.total.totals.v[kRequests] == kNames);
  CHECK(u.total.totals.v[kInput] == 10u * kNames);
  REQUIRE(u.by_workspace.count("(other)") == 1);
  // (other) and every slot but the ones the tracker names itself ("default")
  CHECK(u.by_workspace.size() >= InternTable::kCapacity - 1);
  uint64_t named = 0;
  for (const auto& [name, b] : u.by_workspace)
    if (name != "(other)") named += b.totals.v[kRequests];
  CHECK(named <= InternTable::kCapacity - 1);
  CHECK(u.by_workspace.at("(other)").totals.v[kRequests] == kNames - named);
  CHECK(t.usage("team-5").total.totals.v[kRequests] == 1);  // an early name keeps its own row
}

TEST_CASE("history: ledger rows past a thread's ring between flushes are dropped and counted") {
  const qg::test::TempTree tmp;
  const std::string db = (tmp / "history.db").string();
  constexpr uint64_t kCalls = Shard::kRing + 300;
  {
    Config cfg;
    cfg.db_path = db;
    cfg.flush_interval_ms = 3'600'000;  // no flush but the ones below
    cfg.clock = testing::midday();
    Tracker t{cfg};
    for (uint64_t i = 0; i < kCalls; ++i) t.record(ok_call("acme", 10, 3));
    CHECK(t.ledger_dropped() == kCalls - Shard::kRing);
    t.flush();
    t.shutdown();
  }
  CHECK(testing::sqlite_scalar(db, "SELECT COUNT(*) FROM ledger") == static_cast<int64_t>(Shard::kRing));
  CHECK(testing::sqlite_scalar(db, "SELECT SUM(requests) FROM usage_minute") == static_cast<int64_t>(kCalls));
  CHECK(testing::sqlite_scalar(db, "SELECT CAST(value AS INTEGER) FROM meta WHERE key='ledger_dropped'") ==
        static_cast<int64_t>(kCalls - Shard::kRing));
}
