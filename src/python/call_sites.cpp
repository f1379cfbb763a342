#include "python/call_sites.h"

#include "core/parallel.h"
#include "python/project.h"
#include "python/syntax.h"

namespace qg::python {

// `f` for `f`, `x.f` and `(f)`; empty for anything else.
static std::string_view last_name(TSNode n, std::string_view code) {
  const auto& S = Syntax::get();
  n = unparenthesize(n);
  if (!is_null(n) && sym(n) == S.attribute) n = field(n, S.f_attribute);
  if (is_null(n) || sym(n) != S.identifier) return {};
  return text(n, code);
}

void CallSites::build(const std::vector<ModuleInfo*>& modules, unsigned jobs) {
  const auto& S = Syntax::get();
  // Only an argument naming a project function can hand one over.
  StringSet functions;
  for (ModuleInfo* m : modules)
    for (const Scope& s : m->scopes)
      if (s.kind == Scope::Kind::Function && !s.name.empty()) functions.insert(s.name);
  // Each module's calls are read in parallel (walking argument lists is most of the cost), then
  // listed in module order, so sites come in the same order whatever the workers did.
  struct Found {
    std::vector<std::pair<std::string_view, Site>> sites;
    std::vector<std::pair<std::string_view, Handed>> handed;
  };
  std::vector<Found> found(modules.size());
  parallel_for(modules.size(), jobs, [&](std::size_t i) {
    const ModuleInfo& m = *modules[i];
    const std::string_view code = m.code();
    Found& f = found[i];
    for (const auto& [call, scope] : m.calls) {
      auto name = last_name(field(call, S.f_function), code);
      if (name.empty()) continue;
      f.sites.push_back({name, {call, scope}});
      TSNode args = field(call, S.f_arguments);
      if (is_null(args) || sym(args) != S.argument_list) continue;
      // `executor.submit(f, a, ...)` and `asyncio.to_thread(f, a, ...)` call f with the
      // arguments after it, as a partial's call does.
      if ((name == "partial" || name == "submit" || name == "to_thread") && code_child_count(args) > 0)
        if (auto target = last_name(first_code_child(args), code); !target.empty())
          f.sites.push_back({target, {call, scope, true}});
      for (TSNode a : CodeChildren(args)) {
        TSNode value = sym(a) == S.keyword_argument ? field(a, S.f_value) : a;
        if (is_null(value) || (sym(value) != S.identifier && sym(value) != S.attribute)) continue;
        if (auto handed = last_name(value, code); !handed.empty() && functions.contains(handed))
          f.handed.push_back({handed, {value, scope}});
      }
    }
  });
  for (std::size_t i = 0; i < modules.size(); ++i) {
    for (const auto& [name, site] : found[i].sites) {
      auto it = by_name_.find(name);
      if (it == by_name_.end()) it = by_name_.emplace(std::string(name), std::vector<Site>{}).first;
      it->second.push_back(site);
    }
    for (const auto& [name, handed] : found[i].handed) {
      auto it = handed_.find(name);
      if (it == handed_.end()) it = handed_.emplace(std::string(name), std::vector<Handed>{}).first;
      it->second.push_back(handed);
    }
    ModuleInfo* m = modules[i];
    for (const auto& store : m->attribute_stores) stores_[store.name].push_back(&store);
    for (const auto& store : m->element_stores) element_stores_[store.name].push_back(&store);
    for (const auto& d : m->decorated_classes) {
      TSNode head = d.decorator;
      if (sym(head) == S.call) head = field(head, S.f_function);
      if (auto name = last_name(head, m->code()); !name.empty()) decorated_[std::string(name)].push_back(&d);
    }
    for (const Scope& fn : m->scopes)
      if (fn.kind == Scope::Kind::Function && !fn.name.empty() && fn.parent && fn.parent->kind == Scope::Kind::Module)
        functions_[fn.name].push_back(&fn);
    for (const ClassInfo& c : m->classes) {
      if (!c.name.empty() && c.defined_in && c.defined_in->kind == Scope::Kind::Module) classes_[c.name].push_back(&c);
      for (TSNode base : c.bases) {
        if (sym(base) == S.subscript) base = field(base, S.f_value);  // Base[T]
        auto index = [&](std::string_view name) {
          auto it = derived_.find(name);
          if (it == derived_.end()) it = derived_.emplace(std::string(name), std::vector<const ClassInfo*>{}).first;
          if (it->second.empty() || it->second.back() != &c) it->second.push_back(&c);
        };
        if (auto name = last_name(base, m->code()); !name.empty()) {
          index(name);
          // `from x import Base as B; class Sub(B)`: also under the name imported.
          if (sym(base) == S.identifier && !m->scopes.empty())
            if (auto b = m->scopes.front().bindings.find(std::string(name)); b != m->scopes.front().bindings.end())
              for (const Binding& binding : b->second)
                if (binding.kind == Binding::Kind::ImportFrom && !binding.name.empty() && binding.name != name) index(binding.name);
        }
      }
    }
    const bool conftest = last_component(m->path) == "conftest.py";
    for (const Scope& s : m->scopes) {
      if (!s.is_fixture) continue;
      // The first definition wins within a file, as the later one would in Python only when
      // both are reachable; fixtures are rarely redefined in one file.
      module_fixtures_[m].emplace(s.fixture_name, &s);
      if (conftest) conftest_fixtures_[std::string(parent_dir(m->path))].emplace(s.fixture_name, &s);
    }
  }
  list_aliased_sites(modules);
}

// `from m import f as g` (`from .client import LoggedOpenAI as OpenAI` re-exported by a package),
// and `g = f` (evidently's `func = _chat_completions_openai_call`, then `func(client, ...)`): the
// calls of `g` may be calls of `f`, so they are listed under `f` too, after its own. Each reader
// still evaluates a site's callee and keeps only the calls that reach what it asks about. One
// step: an alias of an alias is not followed.
void CallSites::list_aliased_sites(const std::vector<ModuleInfo*>& modules) {
  const Syntax& S = Syntax::get();
  std::map<std::string, std::set<std::string>, std::less<>> aliases;  // sorted: a stable order
  for (const ModuleInfo* m : modules)
    for (const Scope& s : m->scopes)
      for (const auto& [bound, bindings] : s.bindings)
        for (const Binding& b : bindings) {
          if (!by_name_.contains(bound)) break;
          if (b.kind == Binding::Kind::ImportFrom && !b.name.empty() && b.name != bound) aliases[b.name].insert(bound);
          if (b.kind == Binding::Kind::Expr && !is_null(b.node) && sym(b.node) == S.identifier)
            if (const std::string_view f = text(b.node, m->code()); f != bound) aliases[std::string(f)].insert(bound);
        }
  for (const auto& [name, spellings] : aliases) {
    std::vector<Site> added;
    for (const std::string& alias : spellings)
      for (const Site& site : by_name_.find(alias)->second) added.push_back(site);
    auto& sites = by_name_[name];
    sites.insert(sites.end(), added.begin(), added.end());
  }
}

// What `map` lists under `name`; nothing when it lists nothing.
template <class T>
static std::span<const T> listed(const StringMap<std::vector<T>>& map, std::string_view name) {
  auto it = map.find(name);
  if (it == map.end()) return {};
  return it->second;
}

std::span<const CallSites::Site> CallSites::named(std::string_view name) const { return listed(by_name_, name); }
std::span<const CallSites::Handed> CallSites::handed(std::string_view name) const { return listed(handed_, name); }
std::span<const ModuleInfo::AttributeStore* const> CallSites::stores(std::string_view name) const {
  return listed(stores_, name);
}
std::span<const ModuleInfo::AttributeStore* const> CallSites::element_stores(std::string_view name) const {
  return listed(element_stores_, name);
}
std::span<const ModuleInfo::DecoratedClass* const> CallSites::decorated(std::string_view name) const {
  return listed(decorated_, name);
}
std::span<const ClassInfo* const> CallSites::derived(std::string_view name) const { return listed(derived_, name); }
std::span<const ClassInfo* const> CallSites::classes(std::string_view name) const { return listed(classes_, name); }
std::span<const Scope* const> CallSites::functions(std::string_view name) const { return listed(functions_, name); }

const Scope* CallSites::fixture(const ModuleInfo& module, std::string_view name, const Scope* overriding) const {
  if (auto m = module_fixtures_.find(&module); m != module_fixtures_.end())
    if (auto f = m->second.find(name); f != m->second.end() && f->second != overriding) return f->second;
  std::string_view folder = parent_dir(module.path);
  for (;;) {
    if (auto c = conftest_fixtures_.find(folder); c != conftest_fixtures_.end())
      if (auto f = c->second.find(name); f != c->second.end() && f->second != overriding) return f->second;
    if (folder.empty()) return nullptr;
    folder = parent_dir(folder);
  }
}

}  // namespace qg::python
