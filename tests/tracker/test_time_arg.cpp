#include <doctest/doctest.h>

#include "cli/time_arg.h"
#include "instants.h"

using namespace qg::tracker;
using qg::tracker::testing::at;

TEST_CASE("cli: --since and --now read what a person types") {
  const int64_t now = at("2024-03-01T10:30:00Z");
  CHECK(parse_since("today", now) == at("2024-03-01T00:00:00Z"));
  CHECK(parse_since("yesterday", now) == at("2024-02-29T00:00:00Z"));  // a leap day
  CHECK(parse_since("30m", now) == now - 30 * 60000);
  CHECK(parse_since("24h", now) == now - 86400000);
  CHECK(parse_since("7d", now) == at("2024-02-23T10:30:00Z"));
  CHECK(parse_since("2w", now) == now - 14 * 86400000LL);
  CHECK(parse_since("2026-11-01", now) == at("2026-11-01T00:00:00Z"));
  CHECK(parse_since("2026-11-01T12:30", now) == at("2026-11-01T12:30:00Z"));
  CHECK(parse_since("2026-11-01T12:30:15Z", now) == at("2026-11-01T12:30:15Z"));
  CHECK(parse_since("2026-11-01 12:30:00+02:00", now) == at("2026-11-01T10:30:00Z"));
  CHECK(parse_since("2026-11-01T12:30:00-0530", now) == at("2026-11-01T18:00:00Z"));
  CHECK(parse_since("1793491200", now) == 1793491200000LL);
  CHECK(parse_instant("2024-02-29") == at("2024-02-29T00:00:00Z"));
  for (const char* bad : {"", "stoll", "yesterdays", "1x", "h", "-1d", "2026-02-30", "2026-13-01", "2026-11-1",
                          "2026-11-01T25:00", "2026-11-01T12", "2026-11-01T12:00:00Zjunk", "2026-11-01T12:00+99",
                          "99999999999999999999"})
    CHECK_MESSAGE(!parse_since(bad, now), bad);
}
