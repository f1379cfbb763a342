// Names enter the tracker from the network and from callers: stored once as valid UTF-8.
#include <doctest/doctest.h>

#include <set>
#include <string>
#include <thread>
#include <vector>

#include "alert.h"
#include "fleet_schema.h"
#include "intern.h"
#include "utf8.h"

using namespace qg::tracker;

TEST_CASE("names: invalid UTF-8 becomes '?', cut on a code point, the same name finds itself") {
  InternTable t;
  uint32_t id = t.intern("gpt-4o\xff\xfe");
  CHECK(t.name(id) == "gpt-4o?" "?");
  CHECK(t.find("gpt-4o\xff\xfe") == id);
  CHECK(t.find("gpt-4o?" "?") == id);
  CHECK(t.intern("caf\xed\xb3\xbf") == t.intern("caf?" "?" "?"));  // an encoded lone surrogate (U+DCFF)
  CHECK(t.name(t.intern("\xc0\xaf")) == "?" "?");  // an overlong '/'
  std::string long_name(61, 'a');
  long_name += "\xc3\xa9\xc3\xa9";  // a two-byte character straddles byte 62
  CHECK(t.name(t.intern(long_name)) == std::string(61, 'a'));
  CHECK(t.name(t.intern("plain")) == "plain");
  CHECK(t.name(t.intern("\xe6\x97\xa5\xe6\x9c\xac")) == "\xe6\x97\xa5\xe6\x9c\xac");  // valid UTF-8 stays
}

TEST_CASE("names: alert fields are valid UTF-8 and cut on a code point") {
  Alert a;
  a.set_workspace(std::string(62, 'w') + "\xe2\x82\xac");  // a 3-byte euro sign at bytes 62..64 of 64
  CHECK(std::string(a.workspace) == std::string(62, 'w'));
  a.set_message("bad \xff byte");
  CHECK(std::string(a.message) == "bad ? byte");
}

TEST_CASE("names: the UTF-8 validator follows RFC 3629") {
  auto valid = [](std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
      std::size_t n = utf8_sequence(s, i);
      if (!n) return false;
      i += n;
    }
    return true;
  };
  CHECK(valid("a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"));
  CHECK_FALSE(valid("\xe0\x80\x80"));      // overlong
  CHECK_FALSE(valid("\xed\xa0\x80"));      // surrogate
  CHECK_FALSE(valid("\xf4\x90\x80\x80"));  // above U+10FFFF
  CHECK_FALSE(valid("\xc3"));              // truncated
}

TEST_CASE("names: a fleet usage field keeps its parts whatever bytes a name holds") {
  using namespace qg::tracker::fleet_schema;
  const std::string ws = "team\tA\x1e\x1f\nB\r", model = std::string("gpt-4o\x1f") + '\0' + "x";
  UsageField u;
  REQUIRE(parse_usage_field(usage_cell_field(0, ws, "/v1/chat/completions", model), u));
  CHECK(u.workspace == "team A   B ");
  CHECK(u.endpoint == "/v1/chat/completions");
  CHECK(u.model == "gpt-4o  x");
  const std::string field = usage_key_field(1, "key\x1f\x1e\n");
  CHECK(field.find_first_of("\x1e\x1f\n") == std::string::npos);  // one spool line, its separators its own
  REQUIRE(parse_usage_field(field, u));
  CHECK((u.by_key && u.key_label == "key   "));
}

TEST_CASE("names: a fleet alert's announcement and its host's origin") {
  using namespace qg::tracker::fleet_schema;
  int64_t id = 0;
  REQUIRE(parse_alert_event(alert_event(42), id));
  CHECK(id == 42);
  for (const char* bad : {"alert\t", "alert\t0", "alert\t-3", "alert\t7x", "alert\t7\t8", "api\t7"}) CHECK_FALSE(parse_alert_event(bad, id));
  FleetEvent e;
  CHECK_FALSE(parse_event(alert_event(42), e));  // trackers ignore it
  // One history, however its path is written, is one origin; another history is another.
  CHECK(origin_of("/tmp/qg-origin/a/../a/history.db") == origin_of("/tmp/qg-origin/a/history.db"));
  CHECK(origin_of("/tmp/qg-origin/a/history.db") != origin_of("/tmp/qg-origin/b/history.db"));
  CHECK(origin_of("/tmp/qg-origin/a/history.db").size() == 16);
}

TEST_CASE("names: for_each lists every published name once, also while threads intern") {
  // Readers (the evaluation after each call) visit these ids instead of all 1024 slots.
  InternTable t;
  std::vector<std::thread> threads;
  for (int k = 0; k < 4; ++k)
    threads.emplace_back([&t, k] {
      for (int i = 0; i < 300; ++i) t.intern("ws-" + std::to_string(i % 200) + (k % 2 ? "" : "-even"));
    });
  std::size_t seen_during = 0;
  for (int r = 0; r < 100; ++r) t.for_each([&](uint32_t id) { seen_during += t.used(id) ? 0 : 1; });
  for (auto& th : threads) th.join();
  CHECK(seen_during == 0);  // never an id before its name is published
  std::set<uint32_t> ids;
  std::size_t calls = 0;
  t.for_each([&](uint32_t id) {
    ++calls;
    ids.insert(id);
  });
  std::set<uint32_t> used;
  for (uint32_t i = 0; i < InternTable::kCapacity; ++i)
    if (t.used(i)) used.insert(i);
  CHECK(calls == ids.size());
  CHECK(ids == used);
  CHECK(ids.size() == 401);  // 400 names and "(other)"
}
