#include "cpp/library_model.h"

#include <algorithm>
#include <stdexcept>

#include <toml++/toml.h>

#include "core/catalogue.h"

namespace qg::cpp {

namespace {

std::vector<std::string> strings(const toml::table& t, std::string_view key, const std::string& where) {
  std::vector<std::string> out;
  const toml::node* n = t.get(key);
  if (!n) return out;
  const toml::array* a = n->as_array();
  if (!a) throw std::runtime_error(where + ": `" + std::string(key) + "` must be an array of strings");
  for (const auto& v : *a) {
    auto s = v.value<std::string>();
    if (!s) throw std::runtime_error(where + ": `" + std::string(key) + "` must be an array of strings");
    out.push_back(*s);
  }
  return out;
}

StringMap<std::string> string_table(const toml::node* n, const std::string& where) {
  StringMap<std::string> out;
  if (!n) return out;
  const toml::table* t = n->as_table();
  if (!t) throw std::runtime_error(where + " must be a table of strings");
  for (const auto& [k, v] : *t) {
    auto s = v.value<std::string>();
    if (!s) throw std::runtime_error(where + "." + std::string(k.str()) + " must be a string");
    out.emplace(std::string(k.str()), *s);
  }
  return out;
}

bool contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

std::string normalize_name(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (char c : name)
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') out += c;
  if (out.starts_with("::")) out.erase(0, 2);
  return out;
}

std::string_view last_component(std::string_view qualified) {
  auto at = qualified.rfind("::");
  return at == std::string_view::npos ? qualified : qualified.substr(at + 2);
}

LibraryModel LibraryModel::from_texts(const std::vector<std::pair<std::string, std::string_view>>& files) {
  LibraryModel m;
  for (const auto& [path, text] : files) {
    toml::table t;
    try {
      t = toml::parse(text, path);
    } catch (const toml::parse_error& e) {
      throw std::runtime_error(path + ": " + std::string(e.description()));
    }
    if (!t.contains("library")) {  // hand-rolled HTTP data
      auto fns = strings(t, "url-functions", path);
      m.url_functions_.insert(m.url_functions_.end(), fns.begin(), fns.end());
      continue;
    }
    Library lib;
    lib.name = t["library"].value_or(std::string());
    lib.namespaces = strings(t, "namespaces", path);
    lib.client_types = strings(t, "client-types", path);
    lib.starters = strings(t, "singleton-starters", path);
    lib.getters = strings(t, "singleton-getters", path);
    lib.accessors = string_table(t.get("accessors"), path + ": accessors");
    lib.raw_functions = strings(t, "raw-functions", path);
    lib.raw_methods = strings(t, "raw-methods", path);
    lib.async_suffix = t["async-suffix"].value_or(std::string());
    if (const toml::node* members = t.get("members")) {
      if (!members->is_table()) throw std::runtime_error(path + ": members must be a table");
      for (const auto& [member, methods] : *members->as_table())
        lib.members.emplace(std::string(member.str()), string_table(&methods, path + ": members." + std::string(member.str())));
    }
    for (const auto* list : {&lib.client_types, &lib.starters, &lib.getters, &lib.raw_functions})
      for (const auto& q : *list) m.words_.emplace_back(last_component(q));
    for (const auto& [q, member] : lib.accessors) m.words_.emplace_back(last_component(q));
    m.libs_.push_back(std::move(lib));
  }
  std::sort(m.words_.begin(), m.words_.end());
  m.words_.erase(std::unique(m.words_.begin(), m.words_.end()), m.words_.end());
  return m;
}

const LibraryModel& LibraryModel::get() {
  static const LibraryModel model = from_texts(embedded_toml_files("cpp/"));
  return model;
}

const Library* LibraryModel::library_of_type(std::string_view q) const {
  for (const auto& l : libs_)
    if (contains(l.client_types, q)) return &l;
  return nullptr;
}

const Library* LibraryModel::library_of_starter(std::string_view q) const {
  for (const auto& l : libs_)
    if (contains(l.starters, q)) return &l;
  return nullptr;
}

const Library* LibraryModel::library_of_getter(std::string_view q) const {
  for (const auto& l : libs_)
    if (contains(l.getters, q)) return &l;
  return nullptr;
}

std::pair<const Library*, const std::string*> LibraryModel::accessor(std::string_view q) const {
  for (const auto& l : libs_)
    if (auto it = l.accessors.find(q); it != l.accessors.end()) return {&l, &it->second};
  return {nullptr, nullptr};
}

const Library* LibraryModel::library_of_raw_function(std::string_view q) const {
  for (const auto& l : libs_)
    if (contains(l.raw_functions, q)) return &l;
  return nullptr;
}

const std::string* LibraryModel::api(const Library& lib, std::string_view member, std::string_view method) const {
  auto m = lib.members.find(member);
  if (m == lib.members.end()) return nullptr;
  if (auto it = m->second.find(method); it != m->second.end()) return &it->second;
  if (!lib.async_suffix.empty() && method.ends_with(lib.async_suffix)) {
    method.remove_suffix(lib.async_suffix.size());
    if (auto it = m->second.find(method); it != m->second.end()) return &it->second;
  }
  return nullptr;
}

bool LibraryModel::in_library_namespace(std::string_view q) const {
  for (const auto& l : libs_)
    for (const auto& ns : l.namespaces)
      if (q == ns || (q.starts_with(ns) && q.substr(ns.size()).starts_with("::"))) return true;
  return false;
}

}  // namespace qg::cpp
