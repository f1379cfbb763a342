#include "core/rule_selection.h"

#include "core/catalogue.h"

namespace qg {

bool is_rule_selector(std::string_view id) {
  if (id.empty()) return false;
  if (id == "ALL") return true;
  for (const auto& r : Catalogue::get().rules())
    if (std::string_view(r.id).substr(0, id.size()) == id) return true;
  return false;
}

}  // namespace qg
