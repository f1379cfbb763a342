// Classes across the program: a class's family (its project subclasses), the receiver a call
// runs on, and which project definition a library's absolute name stands for when a modelled
// library's own repository is scanned. What parameters.cpp narrows by (a sibling class's
// constructions are not this instance's) and what class attributes and overrides are read from.
#include <algorithm>

#include "python/call_sites.h"
#include "python/evaluator.h"
#include "python/evaluator_detail.h"
#include "python/syntax.h"

namespace qg::python {

using evaluator_detail::enclosing_method;
using evaluator_detail::make;

// A class and the project classes derived from it, directly or not (python/call_sites.h indexes
// classes by the names of their bases; each candidate's base is evaluated). Bounded.
const std::vector<const ClassInfo*>& Evaluator::class_family(const ClassInfo* cls) {
  constexpr std::size_t kMaxFamily = 64;
  if (const auto* hit = memo_hit(family_memo_, cls)) return **hit;
  const MemoStamp st = stamp();
  std::vector<const ClassInfo*> family{cls};
  const CallSites* sites = project_.call_sites();
  const auto& S = Syntax::get();
  for (std::size_t i = 0; sites && i < family.size() && family.size() < kMaxFamily; ++i) {
    const ClassInfo* c = family[i];
    if (c->name.empty()) continue;
    for (const ClassInfo* d : sites->derived(c->name)) {
      if (family.size() >= kMaxFamily) break;
      if (std::find(family.begin(), family.end(), d) != family.end()) continue;
      bool derives = false;
      for (TSNode base : d->bases) {
        if (sym(base) == S.subscript) base = field(base, S.f_value);
        for (const auto& b : eval(base, d->defined_in)) derives |= same_class(b, *c);
      }
      if (derives) family.push_back(d);
    }
  }
  const auto& kept = families_.emplace_back(std::move(family));
  remember(family_memo_, cls, &kept, st);
  return kept;
}

Values Evaluator::built_instances(const ClassInfo& cls) {
  constexpr std::size_t kMaxSites = 64;
  if (const auto* hit = memo_hit(built_memo_, &cls)) return *hit;
  const MemoStamp st = stamp();
  Values out;
  const CallSites* sites = project_.call_sites();
  const auto& S = Syntax::get();
  std::size_t seen = 0;
  for (const ClassInfo* c : class_family(&cls)) {
    if (!sites || c->name.empty()) continue;
    for (const auto& site : sites->named(c->name)) {
      if (site.partial || ++seen > kMaxSites) continue;
      for (const Value& callee : eval(field(site.call, S.f_function), site.scope))
        if (callee.kind == Value::Kind::Class && callee.cls == c)
          for (Value& v : call_result({callee}, site.call, site.scope))
            if (v.kind == Value::Kind::Client) add(out, std::move(v));
    }
  }
  remember(built_memo_, &cls, out, st);
  return out;
}

Values Evaluator::overrides(const ClassInfo& cls, std::string_view name, const Values& found) {
  bool method = false;
  for (const auto& v : found)
    method |= v.kind == Value::Kind::Function && v.function && v.function->method_of && !v.function->is_property;
  if (!method) return {};
  Values out;
  const std::string key(name);
  const auto& family = class_family(&cls);
  for (std::size_t i = 1; i < family.size(); ++i) {  // family[0] is cls itself
    auto it = family[i]->body->bindings.find(key);
    if (it == family[i]->body->bindings.end()) continue;
    for (const auto& b : it->second)
      if (b.kind == Binding::Kind::Function && b.function && !b.function->is_property) {
        Value f;
        f.kind = Value::Kind::Function;
        f.function = b.function;
        f.bound = !b.function->is_staticmethod;
        add(out, std::move(f));
      }
  }
  return out;
}

bool Evaluator::related(const ClassInfo* a, const ClassInfo* b) {
  const auto& fb = class_family(b);
  for (const ClassInfo* c : class_family(a))
    if (std::find(fb.begin(), fb.end(), c) != fb.end()) return true;
  return false;
}

const ClassInfo* Evaluator::call_receiver(TSNode call, const Scope* scope, const Values& callee, bool& exact, bool& via_self) {
  const auto& S = Syntax::get();
  exact = via_self = false;
  for (const auto& v : callee)
    if (v.kind == Value::Kind::Class && v.cls) {
      exact = true;
      return v.cls;
    }
  TSNode fn = unparenthesize(field(call, S.f_function));
  if (sym(fn) != S.attribute) return nullptr;
  TSNode object = unparenthesize(field(fn, S.f_object));
  const Scope* method = enclosing_method(scope);
  if (sym(object) == S.call) {  // `super().m(...)`
    TSNode super = field(object, S.f_function);
    if (is_null(super) || text(super, scope->owner->code()) != "super" || !method) return nullptr;
    via_self = true;
    return method->method_of;
  }
  const std::string_view code = scope->owner->code();
  bool classmethod = false;
  for (const auto& v : callee) classmethod |= v.kind == Value::Kind::Function && v.function && v.function->is_classmethod;
  const ClassInfo* receiver = nullptr;
  bool through_class = false;
  for (const auto& o : eval(object, scope)) {
    // `self.m(...)` / `obj.m(...)`; `Base.__init__(self, ...)` and `cls.m(...)`: the enclosing
    // method's self; `Sub.build(...)` (a classmethod through a class): exactly that class.
    const ClassInfo* r = nullptr;
    if (o.kind == Value::Kind::Instance) r = o.cls;
    else if (o.kind == Value::Kind::Class && method && (text(fn, code).ends_with(".__init__") || text(object, code) == method->self_name))
      r = method->method_of;
    else if (o.kind == Value::Kind::Class && classmethod) {
      r = o.cls;
      through_class = true;
    }
    if (!r || (receiver && receiver != r)) return nullptr;  // unknown or several: not narrowed
    receiver = r;
  }
  exact = through_class;
  via_self = receiver && method && receiver == method->method_of;
  return receiver;
}

void Evaluator::mark_context(Values& values, const Scope* scope, const ClassInfo* context) {
  const Scope* method = enclosing_method(scope);
  if (!method || !context) return;
  for (auto& v : values)
    if (v.kind == Value::Kind::Unknown && v.function == method && v.param_index >= 0 && !v.context) v.context = context;
}

namespace {

// Whether the external name `path` is the definition `tail` ("Handler", "Handler.invoke",
// "create_message") of the project module named `mine`: `a.b.<tail>` for `mine` named like `a.b`
// (or a package above it that re-exports it), `a.b` of two segments at least.
bool names_definition(std::string_view path, std::string_view tail, std::string_view mine) {
  if (tail.empty() || path.size() <= tail.size() + 1 || !path.ends_with(tail) || path[path.size() - tail.size() - 1] != '.')
    return false;
  const std::string_view module = path.substr(0, path.size() - tail.size() - 1);
  if (module.find('.') == std::string_view::npos) return false;
  // The defining module's name and the packages above it: one of them ends with `module`.
  for (;;) {
    if (mine == module || (mine.size() > module.size() && mine.ends_with(module) && mine[mine.size() - module.size() - 1] == '.'))
      return true;
    auto dot = mine.rfind('.');
    if (dot == std::string_view::npos) return false;
    mine = mine.substr(0, dot);
  }
}

// The first of the project definitions named like an external name's last segment
// (`a.b.Create` → those named `Create`) that `names_it` accepts; null for a bare name.
template <class Definition, class Lookup, class Accepts>
const Definition* definition_named(const Value& v, Lookup lookup, Accepts names_it) {
  const std::string_view path = v.path;
  const auto dot = path.rfind('.');
  if (dot == std::string_view::npos) return nullptr;
  const auto candidates = lookup(path.substr(dot + 1));
  const auto found = std::ranges::find_if(candidates, names_it);
  return found == candidates.end() ? nullptr : *found;
}

}  // namespace

// Whether `v` is the class `c`: that class, or the name of it a scan of a modelled library's own
// repository sees as the library's (`from semantic_kernel.x.handler import Handler` in
// python/semantic_kernel/..., Project::resolve never shadows a modelled package): an external
// `a.b.Handler` for `Handler` defined in a module named like `a.b` (or a package above it that
// re-exports it), `a.b` of two segments at least.
bool Evaluator::same_class(const Value& v, const ClassInfo& c) {
  if (v.kind == Value::Kind::Class) return v.cls == &c;
  if (v.kind != Value::Kind::External || c.name.empty() || !c.defined_in || !c.defined_in->owner) return false;
  return names_definition(v.path, c.name, c.defined_in->owner->name);
}

// The same for a function: a module's function (`a.b.create_message`) or a method of a class of
// the module's top level (`a.b.Actions.invoke`).
bool Evaluator::same_function(const Value& v, const Scope* fn) {
  if (v.kind != Value::Kind::External || !fn || fn->kind != Scope::Kind::Function || fn->name.empty() || !fn->owner) return false;
  if (const ClassInfo* c = fn->method_of) {
    if (c->name.empty() || !c->defined_in || c->defined_in->kind != Scope::Kind::Module) return false;
    const std::string_view path = v.path;
    // `<class path>.<method>`: the method's name first (cheap), then the class.
    if (path.size() <= fn->name.size() + 1 || !path.ends_with(fn->name) || path[path.size() - fn->name.size() - 1] != '.')
      return false;
    return names_definition(path.substr(0, path.size() - fn->name.size() - 1), c->name, fn->owner->name);
  }
  if (!fn->parent || fn->parent->kind != Scope::Kind::Module) return false;
  return names_definition(v.path, fn->name, fn->owner->name);
}

// The project class an external name stands for (same_class), if any: in a scan of a modelled
// library's own repository, its absolute imports of itself.
const ClassInfo* Evaluator::project_class(const Value& v) {
  const CallSites* sites = project_.call_sites();
  if (!sites || v.kind != Value::Kind::External) return nullptr;
  return definition_named<ClassInfo>(
      v, [&](std::string_view name) { return sites->classes(name); },
      [&](const ClassInfo* c) { return same_class(v, *c); });
}

// The project's module function an external name stands for (same_function), if any.
const Scope* Evaluator::project_function(const Value& v) {
  const CallSites* sites = project_.call_sites();
  if (!sites || v.kind != Value::Kind::External) return nullptr;
  return definition_named<Scope>(
      v, [&](std::string_view name) { return sites->functions(name); },
      [&](const Scope* fn) { return same_function(v, fn); });
}

// Not a class: the library's own classes called by its name stay the library's objects (the run
// resolver takes a project model class for a test double, which the library's own
// `OpenAIHostedMultiAgentModel` is not).
Value Evaluator::own_library_function(const Value& v) {
  if (v.kind != Value::Kind::External || !project_.modelled_package(std::string_view(v.path).substr(0, v.path.find('.'))))
    return opaque();
  if (const Scope* fn = project_function(v)) {
    Value f = make(Value::Kind::Function);
    f.function = fn;
    return f;
  }
  return opaque();
}

// Whether the class or a project base of it defines `__init__` (else it is built by a generated
// constructor or a library's).
bool Evaluator::defines_init(const ClassInfo& cls) {
  for (const auto& init : class_attribute(cls, "__init__", true))
    if (init.kind == Value::Kind::Function) return true;
  return false;
}
const ClassInfo* Evaluator::building_class(const Value& client) {
  const auto key = std::make_pair(client.origin, client.origin_line);
  if (auto it = builder_memo_.find(key); it != builder_memo_.end()) return it->second;
  const ClassInfo* found = nullptr;
  uint32_t start = 0;
  for (const Scope& s : client.origin->scopes) {
    if (s.kind != Scope::Kind::Function || !s.method_of) continue;
    const uint32_t first = ts_node_start_point(s.node).row + 1, last = ts_node_end_point(s.node).row + 1;
    if (client.origin_line < first || client.origin_line > last || (found && first < start)) continue;
    found = s.method_of;
    start = first;
  }
  builder_memo_.emplace(key, found);
  return found;
}

// The API resource an SDK resource class is, by where the SDK defines it
// (`openai.resources.chat.completions.Completions`, `openai.resources.chat.Completions`, the
// package layout `...chat.completions.completions.AsyncCompletions`, `openai.resources.Chat`):
// its path below the client ("chat.completions", "chat"), or empty for any other name.
std::string Evaluator::sdk_resource_path(std::string_view qualified) const {
  const std::string prefix = catalogue_.package() + ".resources.";
  if (!qualified.starts_with(prefix)) return {};
  qualified.remove_prefix(prefix.size());
  const std::size_t dot = qualified.rfind('.');
  std::string path(dot == std::string_view::npos ? std::string_view{} : qualified.substr(0, dot));
  std::string_view cls = dot == std::string_view::npos ? qualified : qualified.substr(dot + 1);
  if (cls.starts_with("Async")) cls.remove_prefix(5);
  std::string name;  // `VectorStores` -> `vector_stores`
  for (char c : cls) {
    if (c >= 'A' && c <= 'Z') {
      if (!name.empty()) name += '_';
      c = static_cast<char>(c - 'A' + 'a');
    }
    name += c;
  }
  const auto last = [](std::string_view p) { return p.substr(p.rfind('.') + 1); };
  if (!path.empty() && last(path) == name) {
    // `chat/completions/completions.py`: the module repeats the package's name.
    const std::string_view parent = std::string_view(path).substr(0, path.size() - name.size());
    if (parent.size() > 1 && last(parent.substr(0, parent.size() - 1)) == name) path.resize(parent.size() - 1);
  } else {
    path = path.empty() ? name : path + "." + name;
  }
  return catalogue_.is_resource(path) ? path : std::string{};
}

// `super()` in a method of a project subclass of an SDK resource class (a drop-in client's
// `class LoggingCompletions(Completions)` overriding `create` to call `super().create(...)`):
// the resource, on the client its constructor is handed (its own `__init__`'s first parameter,
// `super().__init__(client)` handing it to the SDK's), else on one of unknown origin. Nothing
// (nullopt) for any other `super()`.
std::optional<Values> Evaluator::resource_super(TSNode call, const Scope* scope) {
  const auto& S = Syntax::get();
  TSNode fn = field(call, S.f_function);
  if (sym(fn) != S.identifier || text(fn, scope->owner->code()) != "super") return std::nullopt;
  const Scope* method = enclosing_method(scope);
  if (!method || !method->method_of) return std::nullopt;
  const ClassInfo& cls = *method->method_of;
  std::string path;
  for (TSNode base : cls.bases)
    for (const auto& v : eval(base, cls.defined_in))
      if (v.kind == Value::Kind::External && path.empty()) path = sdk_resource_path(v.path);
  if (path.empty()) return std::nullopt;
  Value resource = unknown(path);
  if (auto it = cls.body->bindings.find("__init__"); it != cls.body->bindings.end())
    for (const auto& b : it->second)
      if (b.kind == Binding::Kind::Function && b.function)
        for (const auto& [name, params] : b.function->bindings)
          for (const auto& p : params)
            if (p.kind == Binding::Kind::Param && p.index == 1 && !p.variadic) {
              resource.function = b.function;
              resource.param_index = p.index;
              resource.param_name = name;
            }
  return Values{std::move(resource)};
}

bool Evaluator::siblings(const ClassInfo* a, const ClassInfo* b) {
  if (a == b || related(a, b)) return false;
  // a's project bases, transitively (bounded): is b in the family of one of them?
  std::vector<const ClassInfo*> up{a};
  for (std::size_t i = 0; i < up.size() && up.size() < 12; ++i)
    for (TSNode base : up[i]->bases)
      for (const auto& bv : eval(base, up[i]->defined_in)) {
        const ClassInfo* c = bv.kind == Value::Kind::Class ? bv.cls : project_class(bv);
        if (!c || std::find(up.begin(), up.end(), c) != up.end()) continue;
        up.push_back(c);
        const auto& family = class_family(c);
        if (std::find(family.begin(), family.end(), b) != family.end()) return true;
      }
  return false;
}

}  // namespace qg::python
