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

TEST_CASE("pricing: kebab-case keys, the old snake_case spellings still read, anything else refused") {
  PricingTable kebab, snake, bad;
  std::string err;
  REQUIRE(kebab.load("[models.m]\ninput = 2\ncached-input = 1\naudio-minute = 0.006\ncharacters-1m = 15\nnote = 'x'\n", err));
  REQUIRE(snake.load("[models.m]\ninput = 2\ncached_input = 1\naudio_minute = 0.006\ncharacters_1m = 15\n", err));
  const Quantities q{1000, 400, 0, 0, 60000, 1000};
  CHECK(kebab.cost(*kebab.find("m"), q) == doctest::Approx(600 * 2 / 1e6 + 400 * 1 / 1e6 + 0.006 + 1000 * 15 / 1e6));
  CHECK(snake.cost(*snake.find("m"), q) == doctest::Approx(kebab.cost(*kebab.find("m"), q)));

  CHECK_FALSE(bad.load("[models.\"gpt-4o\"]\ninput = 2\nouput = 8\n", err));
  CHECK(err == "pricing: line 3: unknown key 'ouput' in [models.\"gpt-4o\"]; did you mean 'output'?");
  CHECK_FALSE(bad.load("[models.m]\ninput = -2\n", err));
  CHECK(err == "pricing: line 2: models.\"m\".input must be a non-negative number");
  CHECK_FALSE(bad.load("[models.m]\noutput = 'ten'\n", err));
  CHECK(err == "pricing: line 2: models.\"m\".output must be a non-negative number");
}
