// --select / --ignore: rule ids or prefixes ("QG00"), ruff-style. Empty select = every rule.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace qg {

class RuleSelection {
 public:
  RuleSelection(std::vector<std::string> select, std::vector<std::string> ignore)
      : select_(std::move(select)), ignore_(std::move(ignore)) {}
  bool enabled(std::string_view rule) const {
    auto matches = [&](const std::vector<std::string>& list) {
      for (const auto& p : list)
        if (p == "ALL" || rule.substr(0, p.size()) == p) return true;
      return false;
    };
    if (!select_.empty() && !matches(select_)) return false;
    return !matches(ignore_);
  }

 private:
  std::vector<std::string> select_, ignore_;
};

// Whether `id` names a rule ("QG001") or a prefix of some ("QG", "QG00").
bool is_rule_selector(std::string_view id);

// A rule id or selector as typed on the command line ("qg004", "all") in the catalogue's case.
std::string canonical_rule_id(std::string_view typed);

}  // namespace qg
