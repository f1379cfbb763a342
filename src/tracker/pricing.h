// Price table (rules/pricing.toml, embedded at build time; a config may point at another file).
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace qg::tracker {

struct Price {
  std::string model;
  double input = -1, cached_input = -1, output = -1;     // USD per 1M tokens; -1 = not priced
  double image = -1, audio_minute = -1, characters_1m = -1;
};

struct Quantities {
  unsigned long long input = 0, cached = 0, output = 0, images = 0, audio_ms = 0, characters = 0;
  bool billable() const { return input || output || images || audio_ms || characters; }
};

class PricingTable {
 public:
  // Parses TOML text; returns false and sets error on a malformed table.
  bool load(std::string_view toml_text, std::string& error);
  const Price* find(std::string_view model) const;
  double cost(const Price& p, const Quantities& q) const;
  const std::string& date() const { return date_; }
  const std::string& source() const { return source_; }
  std::size_t size() const { return prices_.size(); }
  const Price& at(std::size_t i) const { return prices_[i]; }

 private:
  std::vector<Price> prices_;
  std::string date_, source_;
};

std::string_view embedded_pricing_toml();

}  // namespace qg::tracker
