#include <doctest/doctest.h>

#include <string>

#include "pricing.h"

using namespace qg::tracker;

TEST_CASE("pricing: the embedded table is dated, sourced and prices the common models") {
  PricingTable t;
  std::string err;
  REQUIRE(t.load(embedded_pricing_toml(), err));
  CHECK(t.date() == "2025-09-01");
  CHECK_FALSE(t.source().empty());
  const Price* p = t.find("gpt-4o");
  REQUIRE(p);
  CHECK(p->input == doctest::Approx(2.5));
  CHECK(t.find("gpt-4o-2024-08-06") == p);            // dated snapshot
  CHECK(t.find("gpt-4o-mini")->model == "gpt-4o-mini");  // not gpt-4o
  CHECK(t.find("gpt-4o-mini-2024-07-18")->model == "gpt-4o-mini");
  CHECK(t.find("gpt-5-unknown") == nullptr);
  CHECK(t.find("gpt-4ox") == nullptr);
}

TEST_CASE("pricing: cost arithmetic") {
  PricingTable t;
  std::string err;
  REQUIRE(t.load(embedded_pricing_toml(), err));
  // 1M input of which 400k cached, 100k output on gpt-4o: 0.6*2.5 + 0.4*1.25 + 0.1*10
  Quantities q{1'000'000, 400'000, 100'000, 0, 0, 0};
  CHECK(t.cost(*t.find("gpt-4o"), q) == doctest::Approx(1.5 + 0.5 + 1.0));
  CHECK(t.cost(*t.find("whisper-1"), Quantities{0, 0, 0, 0, 90'000, 0}) == doctest::Approx(0.009));
  CHECK(t.cost(*t.find("tts-1"), Quantities{0, 0, 0, 0, 0, 4096}) == doctest::Approx(0.06144));
  CHECK(t.cost(*t.find("dall-e-3"), Quantities{0, 0, 0, 2, 0, 0}) == doctest::Approx(0.08));
  // cached above input is clamped (cached is a subset of input, never billed twice)
  CHECK(t.cost(*t.find("gpt-4o"), Quantities{100, 500, 0, 0, 0, 0}) == doctest::Approx(100 * 1.25 / 1e6));
}

TEST_CASE("pricing: malformed tables are rejected") {
  PricingTable t;
  std::string err;
  CHECK_FALSE(t.load("[models\nbroken", err));
  CHECK_FALSE(err.empty());
  CHECK_FALSE(t.load("[meta]\ndate='x'\n", err));
}
