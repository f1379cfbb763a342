// What happens past the tracker's fixed capacities: names beyond the intern table, ledger rows
// beyond a thread's ring between flushes. Totals stay exact; what is folded or dropped is said.
#include <doctest/doctest.h>

#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

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

TEST_CASE("shard: for_each_cell visits each cell with a key once, on the shared shard while threads add") {
  // The evaluation after each call reads the cells a thread used, not the whole table.
  auto shared = std::make_unique<Shard>();
  shared->shared = true;
  const uint64_t one[kCounterCount] = {1};
  std::vector<std::thread> threads;
  for (int k = 0; k < 4; ++k)
    threads.emplace_back([&, k] {
      for (uint32_t i = 0; i < 500; ++i) shared->add(cell_key(i % 250, k % 2, 1), one);
    });
  for (int r = 0; r < 50; ++r)
    shared->for_each_cell([](const Shard::Cell& c) { CHECK(c.key.load() != 0); });
  for (auto& th : threads) th.join();
  std::set<uint64_t> keys;
  uint64_t total = 0, visits = 0;
  shared->for_each_cell([&](const Shard::Cell& c) {
    ++visits;
    keys.insert(c.key.load());
    total += c.v[0].load();
  });
  CHECK(visits == 500);  // 250 workspaces x 2 endpoints
  CHECK(keys.size() == 500);
  CHECK(total == 2000);

  auto own = std::make_unique<Shard>();
  for (uint32_t i = 0; i < 3; ++i) own->add(cell_key(i, 0, 0), one);
  own->add(cell_key(1, 0, 0), one);
  std::map<uint64_t, Totals> cut;
  own->consistent_cut(cut);
  CHECK(cut.size() == 3);
  CHECK(cut[cell_key(1, 0, 0)].v[0] == 2);
}
