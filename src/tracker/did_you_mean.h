// "; did you mean 'output'?" for a misspelled key: the closest known name by edit distance, when
// it is close enough to be the one meant. Shared by the tracker config and the price table.
#pragma once
#include <algorithm>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace qg::tracker {

inline std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

template <class Names>
std::string did_you_mean(std::string_view key, const Names& known) {
  std::string_view best;
  std::size_t best_d = std::max<std::size_t>(2, key.size() / 3) + 1;
  for (std::string_view name : known) {
    const std::size_t d = edit_distance(key, name);
    if (d < best_d) {
      best_d = d;
      best = name;
    }
  }
  return best.empty() ? std::string() : "; did you mean '" + std::string(best) + "'?";
}

}  // namespace qg::tracker
