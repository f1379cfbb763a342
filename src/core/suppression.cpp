#include "core/suppression.h"

#include <algorithm>
#include <cctype>

namespace qg {

bool Suppression::covers(std::string_view rule) const {
  return all || std::find(rules.begin(), rules.end(), rule) != rules.end();
}

static std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::optional<Suppression> parse_suppression(std::string_view comment) {
  constexpr std::string_view kTag = "quotaguard:";
  auto at = comment.find(kTag);
  if (at == std::string_view::npos) return std::nullopt;
  auto rest = trim(comment.substr(at + kTag.size()));
  constexpr std::string_view kIgnore = "ignore";
  if (rest.substr(0, kIgnore.size()) != kIgnore) return std::nullopt;
  rest.remove_prefix(kIgnore.size());
  Suppression s;
  if (rest.empty() || rest.front() != '[') {
    // `ignore` followed by nothing, whitespace or a reason: everything on the line.
    if (!rest.empty() && !std::isspace(static_cast<unsigned char>(rest.front())) && rest.front() != '-' &&
        rest.front() != ':')
      return std::nullopt;  // `ignored`, `ignore_this`: not ours
    s.all = true;
    return s;
  }
  auto close = rest.find(']');
  if (close == std::string_view::npos) return std::nullopt;
  auto list = rest.substr(1, close - 1);
  while (!list.empty()) {
    auto comma = list.find(',');
    auto id = trim(list.substr(0, comma));
    if (!id.empty()) s.rules.emplace_back(id);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  if (s.rules.empty()) s.all = true;
  return s;
}

void SuppressionMap::add(uint32_t line, Suppression s) {
  auto& slot = by_line_[line];
  slot.all = slot.all || s.all;
  for (auto& r : s.rules) slot.rules.push_back(std::move(r));
}

bool SuppressionMap::suppresses(const Finding& f) const {
  for (uint32_t line : {f.range.line, f.range.end_line}) {
    auto it = by_line_.find(line);
    if (it != by_line_.end() && it->second.covers(f.rule)) return true;
  }
  return false;
}

}  // namespace qg
