#include "python/project.h"

namespace qg::python {

std::string module_name_for(std::string_view rel, const std::vector<std::string>& src_roots, bool* is_package) {
  // Longest matching import root wins; "." matches everything.
  std::string_view best;
  bool matched = false;
  for (const auto& raw : src_roots) {
    std::string_view root = raw;
    while (root.substr(0, 2) == "./") root.remove_prefix(2);
    while (!root.empty() && root.back() == '/') root.remove_suffix(1);
    if (root == "." || root.empty()) {
      if (!matched) { best = {}; matched = true; }
      continue;
    }
    if (rel.size() > root.size() && rel.substr(0, root.size()) == root && rel[root.size()] == '/' &&
        (!matched || root.size() > best.size())) {
      best = root;
      matched = true;
    }
  }
  std::string_view tail = best.empty() ? rel : rel.substr(best.size() + 1);
  for (std::string_view ext : {".pyi", ".py"})
    if (tail.size() > ext.size() && tail.substr(tail.size() - ext.size()) == ext) {
      tail.remove_suffix(ext.size());
      break;
    }
  std::string name(tail);
  for (char& c : name)
    if (c == '/') c = '.';
  bool pkg = false;
  if (name == "__init__") { name.clear(); pkg = true; }
  else if (name.size() > 9 && name.substr(name.size() - 9) == ".__init__") { name.resize(name.size() - 9); pkg = true; }
  if (is_package) *is_package = pkg;
  return name;
}

bool dotted_suffix_match(std::string_view a, std::string_view b) {
  if (a.size() < b.size()) std::swap(a, b);
  if (b.empty()) return false;
  if (a.size() == b.size()) return a == b;
  return a.substr(a.size() - b.size()) == b && a[a.size() - b.size() - 1] == '.';
}

Project::Project(const Config& config) : config_(config) {
  auto add = [&](ClientKind kind, const std::optional<FactoryFunction>& f) {
    if (f) factories_.push_back({kind, f->module, f->function});
  };
  add(ClientKind::Sync, config.factory.sync);
  add(ClientKind::Async, config.factory.async_);
  add(ClientKind::Azure, config.factory.azure);
  add(ClientKind::AsyncAzure, config.factory.async_azure);
  // The shipped package is always a tracked factory, configured or not.
  for (const auto& [kind, spec] : Catalogue::get().default_factories()) {
    auto colon = spec.find(':');
    factories_.push_back({kind, spec.substr(0, colon), spec.substr(colon + 1)});
  }
}

void Project::add_module_name(const std::string& name) {
  if (name.empty()) return;
  names_.insert(name);
  for (std::size_t at = 0; (at = name.find('.', at)) != std::string::npos; ++at) packages_.insert(name.substr(0, at));
}

void Project::add_module(ModuleInfo* module) {
  add_module_name(module->name);
  modules_[module->name] = module;
}

ModuleInfo* Project::module(std::string_view name) const {
  auto it = modules_.find(name);
  return it == modules_.end() ? nullptr : it->second;
}

bool Project::has_module_or_package(std::string_view name) const {
  return names_.contains(name) || packages_.contains(name);
}

std::optional<ClientKind> Project::factory(std::string_view module, std::string_view function) const {
  for (const auto& f : factories_)
    if (f.function == function && dotted_suffix_match(module, f.module)) return f.kind;
  return std::nullopt;
}

std::optional<ClientKind> Project::factory(std::string_view qualified) const {
  auto dot = qualified.rfind('.');
  if (dot == std::string_view::npos) return std::nullopt;
  return factory(qualified.substr(0, dot), qualified.substr(dot + 1));
}

bool Project::is_factory_module(std::string_view module_name, std::string_view rel) const {
  for (const auto& f : factories_)
    if (!module_name.empty() && dotted_suffix_match(module_name, f.module)) return true;
  if (config_.factory.lists_file(rel)) return true;
  for (const auto& m : config_.factory.modules)
    if (!module_name.empty() && !FactoryConfig::is_path_pattern(m) && dotted_suffix_match(module_name, m)) return true;
  return false;
}

}  // namespace qg::python
