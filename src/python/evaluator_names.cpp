// The evaluator's names: bindings reaching a use, imports and modules (evaluator.h).
#include "python/evaluator.h"

#include <algorithm>

#include "python/evaluator_detail.h"
#include "python/library_clients.h"
#include "python/syntax.h"

namespace qg::python {

using namespace evaluator_detail;

// ---- names -------------------------------------------------------------------------------

namespace {
// The scope a read of `key` in `scope` finds it bound in, and its bindings there.
std::pair<const Scope*, const std::vector<Binding>*> find_binding(const Scope* scope, const std::string& key) {
  const Scope* module_scope = scope;
  while (module_scope->parent) module_scope = module_scope->parent;
  bool first = true;
  for (const Scope* s = scope; s; s = s->parent) {
    // Class bodies are visible to their own statements only, not to nested functions.
    if (s->kind == Scope::Kind::Class && !first) continue;
    first = false;
    if (s->kind != Scope::Kind::Module && s->declares_global(key)) s = module_scope;
    if (auto it = s->bindings.find(key); it != s->bindings.end()) return {s, &it->second};
    if (s == module_scope) break;
  }
  return {nullptr, nullptr};
}
}  // namespace

const Scope* defining_scope(const Scope* scope, std::string_view name) { return find_binding(scope, std::string(name)).first; }

Values Evaluator::lookup(const Scope* scope, std::string_view name, uint32_t use_pos) {
  const std::string key(name);
  const Scope* module_scope = scope;
  while (module_scope->parent) module_scope = module_scope->parent;
  if (const auto [s, bindings] = find_binding(scope, key); s) {
    Values out;
    // In a function a frame gives strings, a binding on a branch they rule out does not happen
    // (python/constants.cpp: `if name == "openai": cls = OpenAIProvider`).
    const bool prune = !contexts_.empty() && s->kind == Scope::Kind::Function && has_frame_constants(s);
    for (const Binding* b : reaching(*bindings, s == scope ? use_pos : UINT32_MAX))
      if (!prune || b->kind == Binding::Kind::Param || !dead_branch(b->node, s)) add_all(out, binding_values(*b, s));
    // A dict filled elsewhere (`REGISTRY[name] = cls`): what is stored in it too.
    if (holds_container(out))
      if (auto stored = stored_elements(s, false, false, name)) add(out, std::move(*stored));
    return out;
  }
  // `from m import *` (a cycle of them ends where it started)
  Values out;
  if (module_scope->star_imports.empty()) {
    // A name nothing binds that is a client-building library's package is that module, put in
    // the function's globals by a framework (babyagi's `register_function(imports=["litellm"])`).
    const auto& libs = LibraryClientTable::get().libraries();
    if (std::any_of(libs.begin(), libs.end(), [&](const ClientBuildingLibrary& l) { return l.package == name; }))
      out.push_back(make(Value::Kind::External, key));
    return out;
  }
  const auto [looking, fresh] = star_lookups_.emplace(module_scope, key);
  if (!fresh) return out;
  for (const auto& star : module_scope->star_imports) add_all(out, import_value(owner(module_scope), star.module, name, star.level));
  star_lookups_.erase(looking);
  return out;
}

Values Evaluator::binding_values(const Binding& b, const Scope* owner_scope) {
  const bool param = b.kind == Binding::Kind::Param && !b.self_param && !b.variadic;
  const bool framed = !contexts_.empty() && in_context(owner_scope);
  // A parameter a frame gives the call's own argument; the function's names that read it are
  // evaluated again with it (their memoised values took every caller's).
  if (framed && param)
    if (const Values* passed = context_argument(owner_scope, b.index)) return *passed;
  // A method's `self`: an instance of its class's family, or of the receiver class a frame
  // evaluates on (receiver_frames.cpp); what reads it is marked so.
  if (b.kind == Binding::Kind::Param && b.self_param && owner_scope->method_of) {
    ++self_reads_;
    if (receiver_)
      if (auto self = receiver_self(owner_scope)) return {std::move(*self)};
  }
  if (const auto* hit = memo_hit(binding_memo_, &b, framed)) return *hit;
  if (param && called_parameter(owner_scope, b.index)) ++called_reads_;
  const MemoStamp st = stamp();
  Guard guard(depth_, cuts_, in_progress_, &b);
  if (!guard.ok()) return {};
  Values out;
  switch (b.kind) {
    case Binding::Kind::Expr:
      out = eval(b.node, b.scope);
      // (a class body's declared fields: class_attribute reads their annotations)
      if (!is_null(b.annotation) && b.scope->kind != Scope::Kind::Class) out = vouched_by(b.annotation, b.scope, b.node, std::move(out));
      break;
    case Binding::Kind::Element:
      out = elements_of(eval(b.node, b.scope), b.index);
      if (b.index == kElementOfElement)  // each pair's members too; the element itself stays (`d.items()`)
        for (const Value& e : Values(out))
          if (e.kind == Value::Kind::Container && e.path.empty() && e.elements) add_all(out, *e.elements);
      break;
    case Binding::Kind::Context:
      // `with X as c`: clients return themselves from __enter__; other managers are opaque.
      for (auto& v : eval(b.node, b.scope))
        add(out, v.kind == Value::Kind::Client || v.kind == Value::Kind::Unknown ? v : opaque());
      break;
    case Binding::Kind::Import:
      out = module_value(owner(owner_scope), b.module);
      break;
    case Binding::Kind::ImportFrom:
      out = import_value(owner(owner_scope), b.module, b.name, b.level);
      break;
    case Binding::Kind::Function: {
      Value v = make(Value::Kind::Function);
      v.function = b.function;
      out.push_back(std::move(v));
      break;
    }
    case Binding::Kind::Class: {
      Value v = make(Value::Kind::Class);
      v.cls = b.cls;
      out.push_back(std::move(v));
      break;
    }
    case Binding::Kind::Param: {
      const Scope* fn = owner_scope;
      if (b.self_param && fn->method_of) {
        Value v = make(fn->is_classmethod ? Value::Kind::Class : Value::Kind::Instance);
        v.cls = fn->method_of;
        v.subclasses = true;  // `cls` of a classmethod too: it may be run on a subclass
        out.push_back(std::move(v));
        break;
      }
      if (b.keywords) {  // `**kwargs`: what callers pass by keyword, once a key is read
        Value k = unknown();
        k.function = fn;
        k.param_index = kKeywordsParameter;
        out.push_back(std::move(k));
        break;
      }
      if (b.variadic) { out.push_back(unknown()); break; }
      Values declared = is_null(b.annotation) ? Values{unknown()} : annotation_value(b.annotation, b.scope);
      for (auto& v : declared) {
        // Remember which parameter, for call-site substitution (an annotated library holder's
        // attribute too: held_client).
        if (v.kind == Value::Kind::Unknown || (v.kind == Value::Kind::Object && is_null(v.node))) {
          v.function = fn;
          v.param_index = b.index;
          v.param_name = b.name;
        }
        add(out, std::move(v));
      }
      if (!is_null(b.node)) add_all(out, eval(b.node, b.scope));
      // FastAPI's `Depends(get_client)`: what the dependency returns is all the parameter holds
      // (its annotation is a hint, its default replaced); only in a module naming fastapi (or
      // the marker: an alias imported from one).
      if (names_fastapi(owner(b.scope))) {
        Values injected;
        for (TSNode n : {b.node, b.annotation}) add_all(injected, injected_dependency(n, b.scope));
        if (!injected.empty()) out = std::move(injected);
      }
      break;
    }
    case Binding::Kind::Annotation:
      out = annotation_value(b.node, b.scope);
      break;
    case Binding::Kind::Opaque:
      out.push_back(opaque());
      break;
  }
  remember(binding_memo_, &b, out, st);
  return out;
}

Values Evaluator::module_value(const ModuleInfo& from, std::string_view dotted) {
  std::string name = project_.resolve(from.path, dotted);
  if (!name.empty()) return {make(Value::Kind::Module, std::move(name))};
  return {make(Value::Kind::External, std::string(dotted))};
}

std::string join_dotted(std::string_view a, std::string_view b) {
  if (a.empty()) return std::string(b);
  std::string s;
  s.reserve(a.size() + 1 + b.size());
  s.append(a).push_back('.');
  s.append(b);
  return s;
}

std::string absolute_import(const ModuleInfo& from, std::string_view module, int level) {
  if (level == 0) return std::string(module);
  // `from . import x` in package a.b (a/b/__init__.py) is a.b; in module a.b.c it is a.b.
  std::string base = from.name;
  int up = from.is_package ? level - 1 : level;
  for (int i = 0; i < up; ++i) {
    auto dot = base.rfind('.');
    base = dot == std::string::npos ? std::string{} : base.substr(0, dot);
  }
  return module.empty() ? base : join(base, module);
}

std::string resolve_import(const Project& project, const ModuleInfo& from, std::string_view module, int level) {
  const std::string absolute = absolute_import(from, module, level);
  return level > 0 ? (project.has_module_or_package(absolute) ? absolute : std::string{}) : project.resolve(from.path, absolute);
}

Values Evaluator::import_value(const ModuleInfo& from, std::string_view module, std::string_view name, int level) {
  const std::string absolute = absolute_import(from, module, level);
  if (name.empty()) {
    if (level == 0) return module_value(from, absolute);
    return {make(project_.has_module_or_package(absolute) ? Value::Kind::Module : Value::Kind::External, absolute)};
  }
  if (auto kind = project_.factory(absolute, name)) {
    Value v = make(Value::Kind::Factory);
    v.client_kind = *kind;
    return {v};
  }
  // The module the import names (an absolute import may be found under an inferred root).
  const std::string resolved = resolve_import(project_, from, module, level);
  if (!resolved.empty() && resolved != absolute)
    if (auto kind = project_.factory(resolved, name)) {
      Value v = make(Value::Kind::Factory);
      v.client_kind = *kind;
      return {v};
    }
  if (!resolved.empty()) {
    if (const ModuleInfo* m = project_.module(resolved)) {
      Values out = module_export(*m, name);
      if (!out.empty()) return out;
    }
    if (project_.has_module_or_package(join(resolved, name))) return {make(Value::Kind::Module, join(resolved, name))};
    // A project package named like a library that lacks the name (`agents/` beside code that
    // runs the Agents SDK, in a root that is itself a package): the absolute import is the library's.
    if (level == 0 && libraries_.is_significant(join(absolute, name))) return {make(Value::Kind::External, join(absolute, name))};
    return {opaque()};  // a project module that never mentions a client
  }
  return {make(Value::Kind::External, join(absolute, name))};
}

std::optional<Values> Evaluator::dynamic_import(const Values& callee, TSNode call, const Scope* scope) {
  const auto& S = Syntax::get();
  const std::string_view code = owner(scope).code();
  const TSNode function = field(call, S.f_function);
  bool builtin = false;  // __import__ (not a project function of that name)
  if (sym(function) == S.identifier && text(function, code) == "__import__") {
    builtin = std::all_of(callee.begin(), callee.end(), [](const Value& v) { return v.kind == Value::Kind::Opaque; });
    if (!builtin) return std::nullopt;
  } else if (callee.size() == 1 && callee[0].kind == Value::Kind::External &&
             callee[0].path == "importlib.util.module_from_spec") {
    return module_from_spec(call, scope);
  } else if (callee.size() != 1 || callee[0].kind != Value::Kind::External || callee[0].path != "importlib.import_module") {
    return std::nullopt;
  }
  const TSNode named = argument_node(call, scope, 0, "name");
  const auto literal = plain_string(named, code);
  if (!literal) {
    // `def import_optional_dependency(name): return import_module(name)`: the module each
    // caller names (evaluator_calls.cpp, a function's returns at a call site).
    if (builtin || is_null(named) || sym(named) != S.identifier) return std::nullopt;
    const std::string name(text(named, code));
    const Scope* home = defining_scope(scope, name);
    if (!home || home->kind != Scope::Kind::Function) return std::nullopt;
    for (const Binding& b : home->bindings.at(name))
      if (b.kind == Binding::Kind::Param && !b.self_param && !b.variadic && b.index >= 0) {
        Value v = unknown();
        v.function = home;
        v.param_index = b.index;
        v.param_name = name;
        v.imports = true;
        return Values{std::move(v)};
      }
    return std::nullopt;
  }
  std::string_view dotted = *literal;
  if (dotted.empty() || dotted.front() == '.') return std::nullopt;  // relative: needs `package`
  if (builtin) {
    // __import__("a.b") is the package `a`, unless a fromlist asks for `a.b` itself; a level
    // other than 0 makes it relative.
    const TSNode level = argument_node(call, scope, 4, "level");
    if (!is_null(level) && text(level, code) != "0") return std::nullopt;
    const TSNode fromlist = unparenthesize(argument_node(call, scope, 3, "fromlist"));
    const bool asks = !is_null(fromlist) && (sym(fromlist) == S.list || sym(fromlist) == S.tuple) &&
                      ts_node_named_child_count(fromlist) > 0;
    if (!asks) dotted = dotted.substr(0, dotted.find('.'));
  }
  return module_value(owner(scope), dotted);
}

// `module_from_spec(spec)`, `spec` made by `spec_from_file_location(name, path)` from a path the
// module computes from `__file__` or spells out: the project module at that path, as if imported
// (tests loading one file without the package's `__init__`).
std::optional<Values> Evaluator::module_from_spec(TSNode call, const Scope* scope) {
  const auto& S = Syntax::get();
  const ModuleInfo& here = owner(scope);
  TSNode spec = unparenthesize(argument_node(call, scope, 0, "spec"));
  const Scope* spec_scope = scope;
  if (!is_null(spec) && sym(spec) == S.identifier) {  // `spec = spec_from_file_location(...)`, once
    const std::string name(text(spec, here.code()));
    spec_scope = defining_scope(scope, name);
    if (!spec_scope) return std::nullopt;
    const auto& bindings = spec_scope->bindings.at(name);
    if (bindings.size() != 1 || bindings.front().kind != Binding::Kind::Expr) return std::nullopt;
    spec = unparenthesize(bindings.front().node);
  }
  if (is_null(spec) || sym(spec) != S.call) return std::nullopt;
  const Values maker = eval(field(spec, S.f_function), spec_scope);
  if (maker.size() != 1 || maker[0].kind != Value::Kind::External ||
      maker[0].path != "importlib.util.spec_from_file_location")
    return std::nullopt;
  const auto path = file_path_named(here, argument_node(spec, spec_scope, 1, "location"));
  if (!path || !path->ends_with(".py")) return std::nullopt;
  const std::string name = module_name_for(*path, project_.config().src);
  if (!project_.has_module_or_package(name)) return std::nullopt;
  return Values{make(Value::Kind::Module, name)};
}

Values Evaluator::module_export(const ModuleInfo& module, std::string_view name) {
  auto& scopes = const_cast<ModuleInfo&>(module).scopes;
  if (scopes.empty()) return {};
  Values out = lookup(&scopes.front(), name);
  if (out.empty()) out = lazy_export(module, name);  // PEP 562: `def __getattr__(name)` imports it
  return out;
}

}  // namespace qg::python
