#include "cpp/unit_names.h"

namespace qg::cpp {

void UnitNames::add_using_declaration(std::string_view qualified) {
  std::string q = expand(normalize_name(qualified));
  using_declarations_[std::string(last_component(q))] = q;
}

std::string UnitNames::current_namespace() const {
  std::string out;
  for (const auto& ns : open_namespaces_) {
    if (ns.empty()) continue;  // anonymous namespace
    if (!out.empty()) out += "::";
    out += ns;
  }
  return out;
}

std::string UnitNames::expand(std::string name) const {
  const auto sep = name.find("::");
  const std::string_view head = std::string_view(name).substr(0, sep);
  if (auto it = namespace_aliases_.find(head); it != namespace_aliases_.end())
    return sep == std::string::npos ? it->second : it->second + name.substr(sep);
  return name;
}

bool UnitNames::known(std::string_view q) const {
  return model_.library_of_type(q) || model_.library_of_starter(q) || model_.library_of_getter(q) ||
         model_.accessor(q).first || model_.library_of_raw_function(q);
}

std::string UnitNames::resolve(std::string_view raw) const {
  std::string name = normalize_name(raw);
  if (auto lt = name.find('<'); lt != std::string::npos) name.erase(lt);
  if (name.empty()) return {};
  if (name.find("::") != std::string::npos) {
    name = expand(std::move(name));
    return known(name) ? name : std::string();
  }
  // Innermost meaning first: an alias or a local class of that name hides the library's.
  if (auto it = aliases_.find(name); it != aliases_.end()) return it->second;
  if (local_classes_.contains(name)) return {};
  if (auto it = using_declarations_.find(name); it != using_declarations_.end())
    return known(it->second) ? it->second : std::string();
  std::string found;
  for (const auto& ns : using_namespaces_)
    if (std::string q = ns + "::" + name; known(q)) found = q;
  // Inside `namespace openai { ... }` the library's own names are visible unqualified.
  std::string scope = current_namespace();
  while (found.empty() && !scope.empty()) {
    if (std::string q = scope + "::" + name; known(q)) found = q;
    auto sep = scope.rfind("::");
    scope = sep == std::string::npos ? std::string() : scope.substr(0, sep);
  }
  return found;
}

}  // namespace qg::cpp
