// Fuzz target: a price table (rules/pricing.toml, or a user's own file given as `pricing`).
// Input: the TOML text.
// Invariants: no crash or sanitizer report; a refused table says why, naming "pricing:"; in an
// accepted one every price is a non-negative number or unset (-1), each model is found by its
// own name, and the cost of any usage is a finite, non-negative number of dollars.
#include <cmath>

#include "pricing.h"
#include "support/harness.h"

using namespace qg::tracker;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = qg::fuzz::as_text(data, size);
  PricingTable table;
  std::string error;
  if (!table.load(text, error)) {
    if (!error.starts_with("pricing: ")) qg::fuzz::fail("a price table refused without a reason: " + error);
    return 0;
  }
  const Quantities q{size * 1000003ULL, size * 7ULL, size * 999983ULL, size, size * 60000ULL, size * 11ULL};
  for (std::size_t i = 0; i < table.size(); ++i) {
    const Price& p = table.at(i);
    for (double v : {p.input, p.cached_input, p.output, p.image, p.audio_minute, p.characters_1m})
      if (!(v >= 0 || v == -1)) qg::fuzz::fail("accepted a price of " + std::to_string(v) + " for " + p.model);
    if (table.find(p.model) == nullptr) qg::fuzz::fail("model " + p.model + " is not found by its own name");
    const double usd = table.cost(p, q);
    if (!std::isfinite(usd) || usd < 0) qg::fuzz::fail("cost " + std::to_string(usd) + " for " + p.model);
  }
  return 0;
}
