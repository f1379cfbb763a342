#include "core/rule_selection.h"

#include <algorithm>
#include <cctype>

#include "core/catalogue.h"

namespace qg {

bool is_rule_selector(std::string_view id) {
  if (id.empty()) return false;
  if (id == "ALL") return true;
  for (const auto& r : Catalogue::get().rules())
    if (std::string_view(r.id).substr(0, id.size()) == id) return true;
  return false;
}

std::string canonical_rule_id(std::string_view typed) {
  std::string id(typed);
  std::transform(id.begin(), id.end(), id.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return id;
}

}  // namespace qg
