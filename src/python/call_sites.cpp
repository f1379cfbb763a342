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

void CallSites::build(const std::vector<ModuleInfo*>& modules) {
  const auto& S = Syntax::get();
  for (ModuleInfo* m : modules) {
    const std::string_view code = m->code();
    for (const auto& [call, scope] : m->calls) {
      TSNode callee = unparenthesize(field(call, S.f_function));
      if (!is_null(callee) && sym(callee) == S.attribute) callee = field(callee, S.f_attribute);
      if (is_null(callee) || sym(callee) != S.identifier) continue;
      auto name = text(callee, code);
      auto it = by_name_.find(name);
      if (it == by_name_.end()) it = by_name_.emplace(std::string(name), std::vector<Site>{}).first;
      it->second.push_back({call, scope});
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
