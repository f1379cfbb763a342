#include "python/project.h"

#include <algorithm>

#include "python/library_clients.h"
#include "python/library_model.h"

namespace qg::python {

namespace {

// Folders in common at the start of two folder paths.
std::size_t common_folders(std::string_view a, std::string_view b) {
  std::size_t n = 0;
  while (!a.empty() && !b.empty()) {
    auto sa = a.find('/'), sb = b.find('/');
    if (a.substr(0, sa) != b.substr(0, sb)) break;
    ++n;
    if (sa == std::string_view::npos || sb == std::string_view::npos) break;
    a.remove_prefix(sa + 1);
    b.remove_prefix(sb + 1);
  }
  return n;
}

std::string top_of(std::string_view dotted) { return std::string(dotted.substr(0, dotted.find_first_of(".:"))); }

// The openai package, httpx and the factories' packages: never another package named alike.
StringSet strictly_modelled_packages() {
  StringSet out;
  out.insert(top_of(Catalogue::get().package()));
  out.insert("httpx");
  for (const auto& [kind, spec] : Catalogue::get().default_factories()) {
    (void)kind;
    out.insert(top_of(spec));
  }
  return out;
}

// The packages whose meaning the scanner knows (their first segments): a project file named like
// one, found away from the scan root or a configured root, does not take its place (but see
// Project::resolve_foreign for the library tables' packages).
StringSet modelled_packages() {
  StringSet out = strictly_modelled_packages();
  for (const ClientLibrary& lib : LibraryModel::get().libraries()) out.insert(top_of(lib.package));
  for (const ClientBuildingLibrary& lib : LibraryClientTable::get().libraries()) out.insert(top_of(lib.package));
  return out;
}

}  // namespace

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

Project::Project(const Config& config) : config_(config), modelled_(modelled_packages()) {
  auto add = [&](ClientKind kind, const std::vector<FactoryFunction>& functions) {
    for (const FactoryFunction& f : functions) factories_.push_back({kind, f.module, f.function});
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
  if (auto folders = sys_path_folders(*module); !folders.empty()) path_roots_[module->path] = std::move(folders);
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

namespace qg::python {

void Project::add_file(std::string_view rel, const std::string& name, bool is_package, bool vendored) {
  std::string_view key = rel;
  for (std::string_view ext : {".pyi", ".py"})
    if (key.size() > ext.size() && key.substr(key.size() - ext.size()) == ext) {
      key.remove_suffix(ext.size());
      break;
    }
  if (is_package) {
    key = parent_dir(key);
    init_dirs_.insert(std::string(key));
  }
  const int rank = is_package ? 3 : 2;
  if (!key.empty()) {
    auto [it, fresh] = paths_.try_emplace(std::string(key), PathEntry{name, rank});
    if (!fresh && it->second.rank < rank) it->second = PathEntry{name, rank};
  }
  files_.emplace_back(std::string(key), vendored);
}

void Project::index_roots() {
  // Namespace folders: every folder above a file that is no package or module itself.
  StringSet folders, root_folders;
  for (const auto& [key, vendored] : files_) {
    (void)vendored;
    for (std::string_view dir = parent_dir(key); !dir.empty(); dir = parent_dir(dir))
      if (!folders.insert(std::string(dir)).second) break;
  }
  for (const auto& dir : folders) {
    paths_.try_emplace(dir, PathEntry{module_name_for(dir + "/__init__.py", config_.src), 1});
    // A folder without __init__.py may be one portion of a namespace package (`ns1/acme`,
    // `ns2/acme`): the folder holding it is where `acme.*` is found, if the import says so.
    if (!init_dirs_.contains(dir)) namespace_portions_[std::string(last_component(dir))].emplace_back(parent_dir(dir));
  }
  for (auto& [name, holders] : namespace_portions_) std::sort(holders.begin(), holders.end());
  // Inferred roots, from files that are not vendored: the folder holding a top-level package,
  // and every folder named `src`. The scan root is no inferred root (resolve's first step).
  for (const auto& [key, vendored] : files_) {
    if (vendored) continue;
    for (std::string_view dir = parent_dir(key); !dir.empty(); dir = parent_dir(dir)) {
      if (last_component(dir) == "src") root_folders.insert(std::string(dir));
      const std::string_view up = parent_dir(dir);
      if (!up.empty() && init_dirs_.contains(dir) && !init_dirs_.contains(up)) root_folders.insert(std::string(up));
    }
    // A package's own key is its folder.
    const std::string_view up = parent_dir(key);
    if (!up.empty() && init_dirs_.contains(key) && !init_dirs_.contains(up)) root_folders.insert(std::string(up));
    // A `conftest.py` outside any package: pytest (its default `prepend` import mode) puts its
    // folder on `sys.path` (lmdeploy's autotest/conftest.py, whose tests import `utils.*` from
    // autotest/ at any depth).
    if (!up.empty() && last_component(key) == "conftest" && !init_dirs_.contains(up)) root_folders.insert(std::string(up));
  }
  for (const auto& [key, vendored] : files_) {
    if (vendored) continue;
    for (std::string_view dir = parent_dir(key); !dir.empty(); dir = parent_dir(dir)) {
      if (!root_folders.contains(dir)) continue;
      std::string_view below = std::string_view(key).substr(dir.size() + 1);
      std::string top(below.substr(0, below.find('/')));
      auto& roots = roots_by_top_[top];
      if (std::find(roots.begin(), roots.end(), dir) == roots.end()) roots.emplace_back(dir);
    }
  }
  for (auto& [top, roots] : roots_by_top_)
    std::sort(roots.begin(), roots.end(), [](const std::string& a, const std::string& b) {
      const auto da = std::count(a.begin(), a.end(), '/'), db = std::count(b.begin(), b.end(), '/');
      return da != db ? da < db : a < b;
    });
  index_foreign_roots();
  files_.clear();
  files_.shrink_to_fit();
}

void Project::index_foreign_roots() {
  // The libraries an inferred root may be another package named like: the tables' libraries,
  // not the openai package, httpx or a factory's package (those are never shadowed).
  const StringSet strict = strictly_modelled_packages();
  std::vector<std::string> names = LibraryModel::get().qualified_names();
  for (std::string& n : LibraryClientTable::get().qualified_names()) names.push_back(std::move(n));
  StringMap<std::vector<std::string>> modules_by_top;  // prefixes of two segments or more
  for (const std::string& name : names) {
    const std::string top = top_of(name);
    if (strict.contains(top) || !roots_by_top_.contains(top)) continue;
    for (std::size_t dot = name.find('.'); ; dot = name.find('.', dot + 1)) {
      const std::string prefix = name.substr(0, dot);
      if (library_names_.insert(prefix).second && prefix.size() > top.size()) modules_by_top[top].push_back(prefix);
      if (dot == std::string::npos) break;
    }
  }
  for (const auto& [top, modules] : modules_by_top)
    for (const std::string& root : roots_by_top_.at(top)) {
      const bool copy = std::any_of(modules.begin(), modules.end(),
                                    [&](const std::string& m) { return !lookup_under(root, m).empty(); });
      if (!copy) foreign_roots_[top].push_back(root);
    }
}

std::string Project::resolve_foreign(std::string_view importer_path, std::string_view dotted) const {
  const auto dot = dotted.find('.');
  if (dot == std::string_view::npos || library_names_.contains(dotted)) return {};
  const auto it = foreign_roots_.find(dotted.substr(0, dot));
  if (it == foreign_roots_.end()) return {};
  // The first root holding `dotted` among all that hold the package, the importer's own first,
  // then the nearest (most folders in common), then list order; the library's own source wins
  // where it comes first.
  const std::string own = own_root(importer_path);
  const std::string_view importer_dir = parent_dir(importer_path);
  std::vector<std::pair<std::size_t, const std::string*>> order;
  for (const std::string& root : roots_by_top_.at(it->first))
    order.emplace_back(root == own ? SIZE_MAX : common_folders(importer_dir, root), &root);
  std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (const auto& entry : order)
    if (std::string name = lookup_under(*entry.second, dotted); !name.empty())
      return std::find(it->second.begin(), it->second.end(), *entry.second) != it->second.end() ? name : std::string{};
  return {};
}

std::string Project::lookup_under(std::string_view root, std::string_view dotted) const {
  std::string key(root);
  if (!key.empty()) key.push_back('/');
  const std::size_t at = key.size();
  key.append(dotted);
  for (std::size_t i = at; i < key.size(); ++i)
    if (key[i] == '.') key[i] = '/';
  auto it = paths_.find(key);
  return it == paths_.end() ? std::string{} : it->second.name;
}

std::string Project::own_root(std::string_view path) const {
  std::string_view dir = parent_dir(path);
  while (!dir.empty() && init_dirs_.contains(dir)) dir = parent_dir(dir);
  return std::string(dir);
}

std::string Project::resolve(std::string_view importer_path, std::string_view dotted) const {
  if (dotted.empty()) return {};
  const std::string_view top = dotted.substr(0, dotted.find('.'));
  // A folder of the project named like a modelled library but holding no `__init__.py` (a
  // quickstart repository's `autogen/` of scripts) is at most a namespace portion, and Python
  // imports an installed regular package before any portion: `from autogen import ...` is the
  // library's.
  if (names_.contains(dotted) || (packages_.contains(dotted) && !modelled_.contains(top))) return std::string(dotted);
  if (paths_.empty()) return {};
  if (modelled_.contains(top)) return resolve_foreign(importer_path, dotted);
  const std::string own = own_root(importer_path);
  if (!own.empty())
    if (std::string name = lookup_under(own, dotted); !name.empty()) return name;
  // The folders the importer puts on `sys.path` itself (a script importing a sibling folder's
  // modules by their bare names).
  if (auto it = path_roots_.find(importer_path); it != path_roots_.end())
    for (const std::string& root : it->second)
      if (std::string name = lookup_under(root, dotted); !name.empty()) return name;
  const std::string_view importer_dir = parent_dir(importer_path);
  // Nearest first; each list is already shallowest-then-path ordered, so the first of a tie wins.
  auto nearest = [&](const std::vector<std::string>& roots) -> std::string {
    std::vector<std::pair<std::size_t, const std::string*>> order;
    for (const std::string& root : roots)
      if (root != own) order.emplace_back(common_folders(importer_dir, root), &root);
    std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    for (const auto& entry : order)
      if (std::string name = lookup_under(*entry.second, dotted); !name.empty()) return name;
    return {};
  };
  if (auto it = roots_by_top_.find(top); it != roots_by_top_.end())
    if (std::string name = nearest(it->second); !name.empty()) return name;
  // A namespace package in several portions (`ns1/acme/tools`, `ns2/acme/llm`, no __init__.py):
  // an importer inside one portion of `acme` finds `acme.*` in any portion.
  auto portions = namespace_portions_.find(top);
  if (portions == namespace_portions_.end()) return {};
  bool inside = false;
  for (std::string_view dir = importer_dir; !dir.empty() && !inside; dir = parent_dir(dir))
    inside = last_component(dir) == top && !init_dirs_.contains(dir);
  return inside ? nearest(portions->second) : std::string{};
}

}  // namespace qg::python
