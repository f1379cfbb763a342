#include "pricing.h"

#include <toml++/toml.h>

namespace qg::tracker {

bool PricingTable::load(std::string_view text, std::string& error) {
  toml::table root;
  try {
    root = toml::parse(text);
  } catch (const toml::parse_error& e) {
    error = std::string("pricing: ") + std::string(e.description());
    return false;
  }
  prices_.clear();
  date_ = root["meta"]["date"].value_or(std::string{});
  source_ = root["meta"]["source"].value_or(std::string{});
  const toml::table* models = root["models"].as_table();
  if (!models) {
    error = "pricing: no [models] table";
    return false;
  }
  for (const auto& [name, node] : *models) {
    const toml::table* t = node.as_table();
    if (!t) continue;
    Price p;
    p.model = std::string(name.str());
    auto num = [&](const char* k) { return (*t)[k].value<double>().value_or(-1.0); };
    p.input = num("input");
    p.cached_input = num("cached_input");
    p.output = num("output");
    p.image = num("image");
    p.audio_minute = num("audio_minute");
    p.characters_1m = num("characters_1m");
    prices_.push_back(std::move(p));
  }
  return true;
}

const Price* PricingTable::find(std::string_view model) const {
  const Price* best = nullptr;
  for (const Price& p : prices_) {
    if (p.model == model) return &p;
    // "gpt-4o-2024-08-06" is gpt-4o; "gpt-4o-mini" is not (the suffix must start with a digit).
    if (model.size() > p.model.size() + 1 && model.substr(0, p.model.size()) == p.model &&
        model[p.model.size()] == '-' && model[p.model.size() + 1] >= '0' &&
        model[p.model.size() + 1] <= '9' && (!best || p.model.size() > best->model.size()))
      best = &p;
  }
  return best;
}

double PricingTable::cost(const Price& p, const Quantities& q) const {
  double usd = 0;
  auto per_m = [](double price, unsigned long long n) { return price > 0 ? price * static_cast<double>(n) / 1e6 : 0.0; };
  unsigned long long cached = q.cached > q.input ? q.input : q.cached;
  double cached_price = p.cached_input >= 0 ? p.cached_input : p.input;
  usd += per_m(p.input, q.input - cached) + per_m(cached_price, cached) + per_m(p.output, q.output);
  if (p.image > 0) usd += p.image * static_cast<double>(q.images);
  if (p.audio_minute > 0) usd += p.audio_minute * static_cast<double>(q.audio_ms) / 60000.0;
  usd += per_m(p.characters_1m, q.characters);
  return usd;
}

}  // namespace qg::tracker
