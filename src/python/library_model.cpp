#include "python/library_model.h"

#include <fnmatch.h>

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "python/rules_toml.h"

namespace qg::python {

namespace {

Holder::Role role_named(const RulesReader& r) {
  const std::string role = r.string("role", true);
  if (role == "model") return Holder::Role::Model;
  if (role == "provider") return Holder::Role::Provider;
  if (role == "agent") return Holder::Role::Agent;
  if (role == "run-config") return Holder::Role::RunConfig;
  r.fail("role", "must be model, provider, agent or run-config");
}

ClientLibrary load_library(std::string id, const toml::table& t) {
  const std::string where = "python/libraries.toml [" + id + "]";
  const RulesReader r(t, where);
  ClientLibrary lib;
  lib.id = std::move(id);
  lib.package = r.string("package", true);
  lib.display_name = r.string("display-name", true);
  lib.family = r.string("family", true);
  lib.parameters = r.strings("parameters");
  lib.agent = r.string("agent");
  lib.run_config = r.string("run-config");
  lib.provider_methods = r.strings("provider-methods");
  lib.other_library_prefixes = r.strings("other-library-prefixes");
  const std::string setter = r.string("fix-setter", true);
  const auto colon = setter.find(':');
  if (colon == std::string::npos) r.fail("fix-setter", "must be `module:function`");
  lib.fix_setter_module = setter.substr(0, colon);
  lib.fix_setter = setter.substr(colon + 1);
  lib.fix_keywords = r.string("fix-keywords");
  for (auto& i : r.strings("installers")) lib.installers.insert(std::move(i));
  for (auto&& [name, api] : r.table("entry-points")) {
    if (!api.is_string()) r.fail("entry-points." + std::string(name.str()), "must be a string");
    lib.entry_points.emplace(std::string(name.str()), std::string(api.value_or(std::string_view{})));
  }
  if (const toml::node* setters = t.get("default-setters")) {
    const toml::array* a = setters->as_array();
    if (!a) r.fail("default-setters", "must be an array of tables");
    for (const auto& s : *a) {
      if (!s.is_table()) r.fail("default-setters", "must be an array of tables");
      const RulesReader sr(*s.as_table(), where + " default-setters");
      const DefaultSetter setter{static_cast<int>((*s.as_table())["argument"].value_or(int64_t{0})), sr.string("keyword")};
      for (auto& n : sr.strings("names")) lib.default_setters.emplace(std::move(n), setter);
    }
  }
  for (auto&& [hid, node] : r.table("holders")) {
    if (!node.is_table()) r.fail("holders." + std::string(hid.str()), "must be a table");
    const RulesReader hr(*node.as_table(), where + " holders." + std::string(hid.str()));
    Holder h;
    h.id = std::string(hid.str());
    h.role = role_named(hr);
    h.parameters = hr.strings("parameters");
    h.client = hr.string("client");
    if (h.client == "own") {
      h.own = true;
      h.client.clear();
    }
    h.client_attribute = hr.string("client-attribute");
    if (!h.client_attribute.empty() && h.client.empty()) hr.fail("client-attribute", "needs `client`");
    h.own_client_when = hr.strings("own-client-when");
    h.links = hr.strings("links");
    h.copies = hr.strings("copies");
    h.model = hr.string("model");
    h.provider = hr.string("provider");
    if (const toml::node* n = node.as_table()->get("routes-by-prefix")) {
      if (!n->is_boolean()) hr.fail("routes-by-prefix", "must be true or false");
      h.routes_by_prefix = n->value_or(false);
    }
    const std::vector<std::string> names = hr.strings("names");
    if (names.empty()) hr.fail("names", "is missing");
    for (const auto& n : names) lib.holder_names.emplace(n, lib.holders.size());
    lib.holders.push_back(std::move(h));
  }
  return lib;
}

std::string_view last_segment(std::string_view dotted) {
  const auto dot = dotted.rfind('.');
  return dot == std::string_view::npos ? dotted : dotted.substr(dot + 1);
}

bool in_package(std::string_view qualified, std::string_view package) {
  return qualified == package || (qualified.starts_with(package) && qualified.size() > package.size() &&
                                  qualified[package.size()] == '.');
}

}  // namespace

LibraryModel LibraryModel::from_texts(std::string_view libraries_toml, std::string_view startup_toml) {
  LibraryModel m;
  for (auto&& [id, node] : parse_rules_toml(libraries_toml, "python/libraries.toml")) {
    if (!node.is_table()) throw std::runtime_error("rules/python/libraries.toml: [" + std::string(id.str()) + "] must be a table");
    m.libs_.push_back(load_library(std::string(id.str()), *node.as_table()));
  }
  for (const auto& lib : m.libs_) {
    m.words_.push_back(lib.package);
    for (const auto& [name, setter] : lib.default_setters) m.setter_words_.emplace_back(last_segment(name));
    for (const auto& name : lib.installers) m.setter_words_.emplace_back(last_segment(name));
    for (const auto& [name, api] : lib.entry_points) m.entry_point_members_.emplace(last_segment(name));
  }
  for (auto* v : {&m.words_, &m.setter_words_}) {
    std::sort(v->begin(), v->end());
    v->erase(std::unique(v->begin(), v->end()), v->end());
  }
  const toml::table startup = parse_rules_toml(startup_toml, "python/startup.toml");
  const RulesReader r(startup, "python/startup.toml");
  m.app_constructors_ = r.strings("app-constructors");
  m.test_paths_ = r.strings("test-paths");
  return m;
}

const LibraryModel& LibraryModel::get() {
  static const LibraryModel model =
      from_texts(embedded_rule_file("python/libraries.toml"), embedded_rule_file("python/startup.toml"));
  return model;
}

const ClientLibrary* LibraryModel::library_of(std::string_view qualified) const {
  for (const auto& l : libs_)
    if (in_package(qualified, l.package)) return &l;
  return nullptr;
}

std::pair<const ClientLibrary*, const std::string*> LibraryModel::entry_point(std::string_view qualified) const {
  for (const auto& l : libs_)
    if (auto it = l.entry_points.find(qualified); it != l.entry_points.end()) return {&l, &it->second};
  return {nullptr, nullptr};
}

const ClientLibrary* LibraryModel::library_of_api(std::string_view api) const {
  for (const auto& l : libs_)
    if (api.starts_with(l.family) && api.size() > l.family.size() && api[l.family.size()] == '.') return &l;
  return nullptr;
}

std::pair<const ClientLibrary*, const DefaultSetter*> LibraryModel::default_setter(std::string_view qualified) const {
  for (const auto& l : libs_)
    if (auto it = l.default_setters.find(qualified); it != l.default_setters.end()) return {&l, &it->second};
  return {nullptr, nullptr};
}

const ClientLibrary* LibraryModel::installer(std::string_view qualified) const {
  for (const auto& l : libs_)
    if (l.installers.contains(qualified)) return &l;
  return nullptr;
}

std::pair<const ClientLibrary*, const Holder*> LibraryModel::holder(std::string_view qualified) const {
  for (const auto& l : libs_)
    if (auto it = l.holder_names.find(qualified); it != l.holder_names.end()) return {&l, &l.holders[it->second]};
  return {nullptr, nullptr};
}

bool LibraryModel::is_significant(std::string_view qualified) const {
  for (const auto& l : libs_) {
    if (!in_package(qualified, l.package)) continue;
    if (l.holder_names.contains(qualified) || l.default_setters.contains(qualified) || l.installers.contains(qualified))
      return true;
    for (const auto& [entry, api] : l.entry_points)
      if (in_package(entry, qualified)) return true;  // "agents.Runner" of "agents.Runner.run"
  }
  return false;
}

bool LibraryModel::is_class(std::string_view qualified) const {
  for (const auto& l : libs_) {
    if (!in_package(qualified, l.package)) continue;
    if (l.holder_names.contains(qualified)) return true;
    for (const auto& [entry, api] : l.entry_points)
      if (entry.size() > qualified.size() && in_package(entry, qualified)) return true;
  }
  return false;
}

bool LibraryModel::is_copy_method(std::string_view qualified) const {
  const auto dot = qualified.rfind('.');
  if (dot == std::string_view::npos) return false;
  const Holder* h = holder(qualified.substr(0, dot)).second;
  return h && std::find(h->copies.begin(), h->copies.end(), qualified.substr(dot + 1)) != h->copies.end();
}

bool LibraryModel::is_test_path(std::string_view relative_path) const {
  while (!relative_path.empty()) {
    const auto slash = relative_path.find('/');
    const std::string segment(relative_path.substr(0, slash));
    for (const auto& pattern : test_paths_)
      if (fnmatch(pattern.c_str(), segment.c_str(), 0) == 0) return true;
    if (slash == std::string_view::npos) break;
    relative_path.remove_prefix(slash + 1);
  }
  return false;
}

}  // namespace qg::python
