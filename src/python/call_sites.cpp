#include "python/call_sites.h"

#include "python/syntax.h"

namespace qg::python {

namespace {

std::string_view folder_of(std::string_view path) {
  auto slash = path.rfind('/');
  return slash == std::string_view::npos ? std::string_view{} : path.substr(0, slash);
}

std::string_view file_name(std::string_view path) {
  auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

}  // namespace

// `f` for `f`, `x.f` and `(f)`; empty for anything else.
static std::string_view last_name(TSNode n, std::string_view code) {
  const auto& S = Syntax::get();
  n = unparenthesize(n);
  if (!is_null(n) && sym(n) == S.attribute) n = field(n, S.f_attribute);
  if (is_null(n) || sym(n) != S.identifier) return {};
  return text(n, code);
}

void CallSites::build(const std::vector<ModuleInfo*>& modules) {
  const auto& S = Syntax::get();
  auto list = [&](std::string_view name, Site site) {
    auto it = by_name_.find(name);
    if (it == by_name_.end()) it = by_name_.emplace(std::string(name), std::vector<Site>{}).first;
    it->second.push_back(site);
  };
  for (ModuleInfo* m : modules) {
    const std::string_view code = m->code();
    for (const auto& [call, scope] : m->calls) {
      auto name = last_name(field(call, S.f_function), code);
      if (name.empty()) continue;
      list(name, {call, scope});
      TSNode args = field(call, S.f_arguments);
      if (name == "partial" && !is_null(args) && ts_node_named_child_count(args) > 0)
        if (auto target = last_name(ts_node_named_child(args, 0), code); !target.empty())
          list(target, {call, scope, true});
    }
    const bool conftest = file_name(m->path) == "conftest.py";
    for (const Scope& s : m->scopes) {
      if (!s.is_fixture) continue;
      // The first definition wins within a file, as the later one would in Python only when
      // both are reachable; fixtures are rarely redefined in one file.
      module_fixtures_[m].emplace(s.fixture_name, &s);
      if (conftest) {
        auto& folder = conftest_fixtures_[std::string(folder_of(m->path))];
        folder.emplace(s.fixture_name, &s);
      }
    }
  }
}

std::span<const CallSites::Site> CallSites::named(std::string_view name) const {
  auto it = by_name_.find(name);
  if (it == by_name_.end()) return {};
  return it->second;
}

const Scope* CallSites::fixture(const ModuleInfo& module, std::string_view name, const Scope* overriding) const {
  if (auto m = module_fixtures_.find(&module); m != module_fixtures_.end())
    if (auto f = m->second.find(name); f != m->second.end() && f->second != overriding) return f->second;
  std::string_view folder = folder_of(module.path);
  for (;;) {
    if (auto c = conftest_fixtures_.find(folder); c != conftest_fixtures_.end())
      if (auto f = c->second.find(name); f != c->second.end() && f->second != overriding) return f->second;
    if (folder.empty()) return nullptr;
    folder = folder_of(folder);
  }
}

}  // namespace qg::python
