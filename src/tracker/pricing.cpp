#include "pricing.h"

#include <toml++/toml.h>

#include <optional>
#include <string>

#include "did_you_mean.h"

namespace qg::tracker {

namespace {
// A model's keys. Kebab-case as in every other quotaguard file; the snake_case spellings of
// releases before it (`cached_input`, `audio_minute`, `characters_1m`) are still read, so price
// files written for them keep their meaning. Anything else is an error: a misspelled price would
// otherwise cost $0 without a word.
struct KeyField {
  std::string_view name;
  double Price::*member;  // null: accepted and not a price (`note`)
};
constexpr KeyField kFields[] = {
    {"input", &Price::input},           {"output", &Price::output},
    {"cached-input", &Price::cached_input}, {"cached_input", &Price::cached_input},
    {"image", &Price::image},           {"audio-minute", &Price::audio_minute},
    {"audio_minute", &Price::audio_minute}, {"characters-1m", &Price::characters_1m},
    {"characters_1m", &Price::characters_1m}, {"note", nullptr},
};
constexpr std::string_view kNames[] = {"input", "output", "cached-input", "image", "audio-minute", "characters-1m", "note"};

const KeyField* field_of(std::string_view key) {
  for (const KeyField& f : kFields)
    if (f.name == key) return &f;
  return nullptr;
}
}  // namespace

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
    const auto line = [](const toml::node& n) { return "line " + std::to_string(n.source().begin.line) + ": "; };
    if (!t) {
      error = "pricing: " + line(node) + "models.\"" + std::string(name.str()) + "\" must be a table";
      return false;
    }
    Price p;
    p.model = std::string(name.str());
    for (const auto& [key, value] : *t) {
      const KeyField* field = field_of(key.str());
      if (!field) {
        error = "pricing: " + line(value) + "unknown key '" + std::string(key.str()) + "' in [models.\"" + p.model + "\"]" +
                did_you_mean(key.str(), kNames);
        return false;
      }
      if (!field->member) continue;  // a note
      const std::optional<double> v = value.value<double>();
      if (!v || *v < 0) {
        error = "pricing: " + line(value) + "models.\"" + p.model + "\"." + std::string(key.str()) + " must be a non-negative number";
        return false;
      }
      p.*(field->member) = *v;
    }
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
