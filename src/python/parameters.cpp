// Values across function boundaries: a parameter takes what the program passes it. Gathered
// on demand (only for a call that an API call's provenance depends on), from the calls of the
// function that python/call_sites.h indexes by name, and for tests from pytest fixtures.
#include <algorithm>

#include "python/call_sites.h"
#include "python/evaluator.h"
#include "python/evaluator_detail.h"
#include "python/syntax.h"

namespace qg::python {

using evaluator_detail::enclosing_method;
using evaluator_detail::passes_splat;

namespace {

constexpr int kMaxParameterHops = 6;  // caller of a caller of ...: a bounded fixed point

// pytest hands a test (or a fixture) the fixture named like its parameter.
bool receives_fixtures(const Scope* fn) { return fn->is_fixture || fn->name.starts_with("test"); }

}  // namespace

int Evaluator::implicit_arguments(const Values& callee, const Scope* fn) {
  for (const auto& v : callee) {
    if (v.kind == Value::Kind::Function && v.function == fn) return v.bound ? 1 : 0;
    // `Cls(...)`, also of a subclass that inherits `__init__`.
    if (v.kind == Value::Kind::Class && v.cls && fn->name == "__init__" && fn->method_of)
      for (const auto& init : class_attribute(*v.cls, "__init__", true))
        if (init.kind == Value::Kind::Function && init.function == fn) return 1;
    // The class itself under the name a scan of a modelled library's own repository gives it.
    if (v.kind == Value::Kind::External && fn->name == "__init__" && fn->method_of && same_class(v, *fn->method_of)) return 1;
    // The function or method itself under that name (`Actions.invoke(agent=self)`): a method
    // called through the class takes its `self` explicitly, one reached through an instance
    // (`agent.invoke(...)` on a library object, `bound`) or a classmethod fills it.
    if (v.kind == Value::Kind::External && same_function(v, fn)) {
      if (!fn->method_of || fn->is_staticmethod) return 0;
      return fn->is_classmethod || v.bound ? 1 : 0;
    }
  }
  return -1;
}

// `super().__init__(...)` in a subclass's method reaches the base's `__init__`.
int Evaluator::super_init_shift(TSNode call, const Scope* scope, const Scope* init) {
  const auto& S = Syntax::get();
  TSNode callee = unparenthesize(field(call, S.f_function));
  if (sym(callee) != S.attribute) return -1;
  TSNode object = unparenthesize(field(callee, S.f_object));
  if (is_null(object) || sym(object) != S.call) return -1;
  TSNode super = field(object, S.f_function);
  if (is_null(super) || text(super, scope->owner->code()) != "super") return -1;
  const Scope* method = enclosing_method(scope);
  if (!method) return -1;
  const ClassInfo* cls = method->method_of;
  for (TSNode base : cls->bases)
    for (const auto& b : eval(base, cls->defined_in)) {
      const ClassInfo* base_class = b.kind == Value::Kind::Class ? b.cls : project_class(b);
      if (base_class)
        for (const auto& f : class_attribute(*base_class, "__init__", true))
          if (f.kind == Value::Kind::Function && f.function == init) return 1;
    }
  return -1;
}

Values Evaluator::fixture_value(const Scope* fixture) {
  if (fixture->yields.empty()) return function_returns(fixture);
  Values out;
  for (TSNode y : fixture->yields) add_all(out, eval(y, fixture));
  return out;
}

Values Evaluator::passed_to(const Scope* fn, int index, const std::string& name, const ClassInfo* context) {
  const CallSites* sites = project_.call_sites();
  if (!sites || !fn || index < 0) return {};
  // A keyword naming one of `fn`'s own parameters binds that one, never its `**kwargs`
  // (`def apply(fn, client=None, **kw): fn(**kw)` hands `fn` no `client`).
  if (index == kKeywordsParameter && names_parameter(fn, name)) return {};
  if (!fn->method_of) context = nullptr;
  const PassedKey key{fn, index, index == kKeywordsParameter ? name : std::string{}, context};
  if (const auto* hit = memo_hit(passed_memo_, key)) return *hit;
  const MemoStamp st = stamp();
  const auto [active, fresh] = passing_.insert(key);
  if (!fresh) return {};  // a recursive function passing its own parameter on adds nothing new
  Values out;
  if (index != kKeywordsParameter) {
    if (receives_fixtures(fn))
      if (const Scope* fx = sites->fixture(*fn->owner, name, fn)) add_all(out, fixture_value(fx));
    add_all(out, parametrized(fn, name));
  }
  const auto& S = Syntax::get();
  auto gather = [&](std::string_view callee_name) {
    for (const auto& site : sites->named(callee_name)) {
      TSNode callee = field(site.call, S.f_function);
      if (site.partial) callee = first_code_child(field(site.call, S.f_arguments));
      Values callees = eval(callee, site.scope);
      int shift = implicit_arguments(callees, fn);
      // `t.test(model, client)` where `t` is a parameter: the method of what callers pass as `t`.
      if (shift < 0 && !site.partial) {
        Values through;
        for (const Value& v : callees)
          if (v.kind == Value::Kind::Unknown && !v.path.empty()) add_all(through, through_parameters(v));
        if (!through.empty() && (shift = implicit_arguments(through, fn)) >= 0) callees = std::move(through);
      }
      if (shift < 0 && fn->name == "__init__" && !site.partial) shift = super_init_shift(site.call, site.scope, fn);
      if (shift < 0 || index - shift < 0) continue;
      // Run on an instance of the context's family only: a sibling class's constructions are
      // not this instance's (`Chat(client=a)` says nothing of a `Realtime`'s client).
      const ClassInfo* narrowed = context;
      bool via_self = false;
      if (context && !site.partial) {
        bool exact = false;
        if (const ClassInfo* r = call_receiver(site.call, site.scope, callees, exact, via_self)) {
          const auto& family = class_family(context);
          const bool inside = std::find(family.begin(), family.end(), r) != family.end();
          if (exact ? !inside : !related(r, context)) continue;
          if (inside) narrowed = r;
        }
      }
      // A partial's own first argument is the function: f's arguments start after it.
      TSNode arg = argument_node(site.call, site.scope, index - shift + (site.partial ? 1 : 0), name);
      if (!is_null(arg)) {
        Values passed = eval(arg, site.scope);
        if (via_self) mark_context(passed, site.scope, narrowed);
        add_all(out, passed);
      }
      // `*args` / `**options` may carry it (`**args` for a dict naming it: what it names)
      else if (passes_splat(site.call) && !splat_keyword(site.call, site.scope, name, out) &&
               (site.partial || index - shift < 0 || !splat_positional(site.call, site.scope, index - shift, out)))
        add(out, unknown());
    }
  };
  if (fn->kind == Scope::Kind::Lambda) {
    add_all(out, passed_via_callback(fn->node, fn->parent, index, name));
  } else {
    gather(fn->name);
    for (const auto& handed : sites->handed(fn->name))
      for (const auto& v : eval(handed.node, handed.scope))
        if (v.kind == Value::Kind::Function && v.function == fn) {
          const int shift = v.bound ? 1 : 0;
          if (index - shift >= 0) add_all(out, passed_via_callback(handed.node, handed.scope, index - shift, name));
          break;
        }
  }
  // `@register class C` / `@register("name") class C`: the decorator is called with the class.
  if (fn->kind == Scope::Kind::Function && index != kKeywordsParameter) {
    // `@register("x")` naming, in a modelled library's own repository, the library's absolute
    // name of the project's decorator factory `register` that returns `fn`.
    auto factory_of = [&](const ModuleInfo::DecoratedClass* d, const Scope* f) {
      const Scope* outer = f->parent;
      if (!outer || outer->kind != Scope::Kind::Function || sym(d->decorator) != S.call) return false;
      bool returned = false;
      for (TSNode r : outer->returns)
        for (const auto& rv : eval(r, outer)) returned = returned || (rv.kind == Value::Kind::Function && rv.function == f);
      if (!returned) return false;
      for (const auto& c : eval(field(d->decorator, S.f_function), d->scope))
        if (same_function(c, outer)) return true;
      return false;
    };
    auto decorated = [&](std::string_view decorator_name) {
      for (const ModuleInfo::DecoratedClass* d : sites->decorated(decorator_name))
        for (const auto& v : eval(d->decorator, d->scope))
          if ((v.kind == Value::Kind::Function && v.function == fn) || same_function(v, fn) || factory_of(d, fn)) {
            if (index == (v.bound ? 1 : 0)) {
              Value c;
              c.kind = Value::Kind::Class;
              c.cls = d->cls;
              add(out, std::move(c));
            }
            break;
          }
    };
    decorated(fn->name);
    if (fn->parent && fn->parent->kind == Scope::Kind::Function && fn->parent->name != fn->name) decorated(fn->parent->name);
  }
  if (fn->name == "__init__" && fn->method_of && !fn->method_of->name.empty()) {
    gather(fn->method_of->name);
    bool registered = index != kKeywordsParameter && registered_by_decorator(*fn->method_of);
    // `Sub(...)` for a project subclass that inherits this `__init__` (the nearest one up).
    std::vector<std::string_view> seen{fn->method_of->name};
    for (const ClassInfo* d : class_family(fn->method_of)) {
      if (d->name.empty() || std::find(seen.begin(), seen.end(), d->name) != seen.end()) continue;
      for (const auto& init : class_attribute(*d, "__init__", true))
        if (init.kind == Value::Kind::Function) {
          if (init.function == fn) {
            seen.push_back(d->name);
            gather(d->name);
            registered = registered || (index != kKeywordsParameter && registered_by_decorator(*d));
          }
          break;
        }
    }
    // Handed to a project decorator (`@register_provider(client_factory=...)`, a registry), the
    // class is also built where the scan cannot follow (`registration.adapter_class(client)`):
    // what those constructions pass is unknown, besides what the visible ones do (tests' mocks).
    if (registered) add(out, unknown());
  }
  passing_.erase(active);
  remember(passed_memo_, key, out, st);
  return out;
}

bool Evaluator::registered_by_decorator(const ClassInfo& cls) {
  if (!cls.defined_in || !cls.defined_in->owner) return false;
  const auto& S = Syntax::get();
  for (const auto& d : cls.defined_in->owner->decorated_classes) {
    if (d.cls != &cls) continue;
    // `@register` / `@registry.register(...)`: a function of the project (not `dataclass`, a
    // library's decorator the scan models, or any other package's).
    const TSNode callee = sym(d.decorator) == S.call ? field(d.decorator, S.f_function) : d.decorator;
    for (const Value& v : eval(callee, d.scope))
      if (v.kind == Value::Kind::Function && v.function) return true;
  }
  return false;
}

namespace {
// The names calls of `fn` are written with: its own, and for an `__init__` its class's (`Cls(...)`
// calls it, implicit_arguments: shift 1).
std::vector<std::string_view> called_as(const Scope* fn) {
  std::vector<std::string_view> names{fn->name};
  if (fn->name == "__init__" && fn->method_of && !fn->method_of->name.empty()) names.push_back(fn->method_of->name);
  return names;
}
}  // namespace

bool Evaluator::calls_read(const Scope* fn) {
  const CallSites* sites = project_.call_sites();
  if (!sites || !fn || fn->kind != Scope::Kind::Function) return false;
  const auto& S = Syntax::get();
  const auto names = called_as(fn);
  bool any = false;
  for (std::string_view name : names)
    for (const auto& site : sites->named(name)) {
      if (implicit_arguments(eval(field(site.call, S.f_function), site.scope), fn) < 0) continue;
      if (site.partial || passes_splat(site.call)) return false;
      any = true;
    }
  return any;
}

std::vector<std::pair<TSNode, const Scope*>> Evaluator::arguments_passed(const Scope* fn, const Binding& parameter) {
  const CallSites* sites = project_.call_sites();
  if (!sites || !fn || fn->kind != Scope::Kind::Function || parameter.variadic || parameter.index < 0) return {};
  const auto& S = Syntax::get();
  std::vector<std::pair<TSNode, const Scope*>> out;
  const auto names = called_as(fn);
  for (std::string_view name : names)
    for (const auto& site : sites->named(name)) {
      const int shift = implicit_arguments(eval(field(site.call, S.f_function), site.scope), fn);
      if (shift < 0) continue;  // another function of that name
      if (site.partial || parameter.index - shift < 0) return {};
      if (TSNode arg = argument_node(site.call, site.scope, parameter.index - shift, parameter.name); !is_null(arg))
        out.emplace_back(arg, site.scope);
      else if (passes_splat(site.call) || is_null(parameter.node))
        return {};
      else
        out.emplace_back(parameter.node, parameter.scope);  // its default
    }
  return out;
}

// `@pytest.mark.parametrize("client_type", [OpenAI, AsyncOpenAI])`, also with several names
// ("getter, client_cls") and rows of tuples: the name's own position of every row (a row that is
// no tuple literal, every value it holds).
Values Evaluator::parametrized(const Scope* fn, std::string_view name) {
  Values out;
  for (TSNode call : fn->parametrize) {
    TSNode names = argument_node(call, fn->parent, 0, "argnames"), rows = argument_node(call, fn->parent, 1, "argvalues");
    if (is_null(names) || is_null(rows)) continue;
    const std::string_view code = fn->owner->code();
    std::size_t count = 0;
    int position = -1;
    // "a, b", "a,b", ("a", "b") and ["a", "b"]: the identifiers in the literal text.
    std::string_view list = text(names, code);
    for (std::size_t i = 0; i < list.size();) {
      while (i < list.size() && !is_identifier_char(list[i])) ++i;
      std::size_t j = i;
      while (j < list.size() && is_identifier_char(list[j])) ++j;
      if (j > i) {
        if (position < 0 && list.substr(i, j - i) == name) position = static_cast<int>(count);
        ++count;
      }
      i = j;
    }
    if (position < 0) continue;
    Values values = elements_of(eval(rows, fn->parent), -1);
    if (count > 1) values = elements_of(values, position);
    add_all(out, values);
  }
  return out;
}

// Whether `name` is a parameter of `fn` a keyword of that name binds (not `*args`/`**kwargs`).
bool Evaluator::names_parameter(const Scope* fn, const std::string& name) const {
  if (auto it = fn->bindings.find(name); it != fn->bindings.end())
    for (const auto& b : it->second)
      if (b.kind == Binding::Kind::Param && !b.variadic && !b.keywords) return true;
  return false;
}

// Whether `call` passes on `fn`'s own `**kwargs` (`fn` encloses it).
bool Evaluator::splats_own_keywords(TSNode call, const Scope* scope, const Scope* fn) {
  const auto& S = Syntax::get();
  TSNode args = field(call, S.f_arguments);
  if (is_null(args) || sym(args) != S.argument_list) return false;
  for (TSNode a : CodeChildren(args)) {
    if (sym(a) != S.dictionary_splat || ts_node_named_child_count(a) == 0) continue;
    for (const Value& v : eval(unparenthesize(ts_node_named_child(a, 0)), scope))
      if (is_whole_keywords(v) && v.function == fn)
        return true;
  }
  return false;
}

// A function handed to another as an argument (`run(lambda c: c.chat..., client=...)`,
// `retry(self.ask, client)`): the receiver calls it through one of its parameters, and what
// those calls pass is what the handed function gets. `arg` is the argument node, read in `scope`.
Values Evaluator::passed_via_callback(TSNode arg, const Scope* scope, int index, const std::string& name) {
  const auto& S = Syntax::get();
  const CallSites* sites = project_.call_sites();
  TSNode parent = ts_node_parent(arg);
  std::string keyword;
  if (!is_null(parent) && sym(parent) == S.keyword_argument) {
    keyword = std::string(text(field(parent, S.f_name), scope->owner->code()));
    arg = parent;
    parent = ts_node_parent(parent);
  }
  if (is_null(parent) || sym(parent) != S.argument_list) return {};
  TSNode call = ts_node_parent(parent);
  int position = -1;
  if (keyword.empty()) {
    int i = 0;
    for (TSNode a : CodeChildren(parent)) {
      if (sym(a) == S.list_splat || sym(a) == S.dictionary_splat || sym(a) == S.keyword_argument) break;
      if (a.id == arg.id) { position = i; break; }
      ++i;
    }
    if (position < 0) return {};
  }
  Values out;
  for (const auto& callee : eval(field(call, S.f_function), scope)) {
    if (callee.kind != Value::Kind::Function || !callee.function || callee.function->kind != Scope::Kind::Function) continue;
    const Scope* g = callee.function;
    const int want = keyword.empty() ? position + (callee.bound ? 1 : 0) : -1;
    std::string parameter;
    for (const auto& [param, bindings] : g->bindings)
      for (const auto& b : bindings)
        if (b.kind == Binding::Kind::Param && !b.variadic && (keyword.empty() ? b.index == want : param == keyword))
          parameter = param;
    if (parameter.empty()) continue;
    for (const auto& site : sites->named(parameter)) {
      const Scope* s = site.scope;
      while (s && s != g) s = s->parent;
      if (!s) continue;  // a call of that name outside `g`
      TSNode a = argument_node(site.call, site.scope, index, name);
      if (!is_null(a)) {
        add_all(out, eval(a, site.scope));
      } else if (passes_splat(site.call)) {
        // `fn(row, **kwargs)` with `g`'s own `**kwargs`: what this call of `g` passes under that
        // keyword (`qa.batch_apply(gen_query, client=client)`), unless it binds a parameter of
        // `g`'s own; another dict splatted there: what it names.
        if (!splats_own_keywords(site.call, site.scope, g)) splat_keyword(site.call, site.scope, name, out);
        else if (TSNode kw = argument_node(call, scope, -1, name); !is_null(kw) && !names_parameter(g, name))
          add_all(out, eval(kw, scope));
      }
    }
  }
  return out;
}

// `Deps(client=OpenAI())` for `class Deps: client: OpenAI` (a dataclass, attrs, pydantic model,
// NamedTuple: any class whose constructor is generated from its declared fields). The generated
// constructor is also what a subclass that defines no `__init__` is built with (`Chat(client=c)`
// for `class Chat(Handler)`), what `cls(client=c)` in a classmethod builds, and what a subclass's
// own `__init__` reaches with `super().__init__(client=c)` or `Base.__init__(self, client=c)`
// (pydantic's sets the fields of the instance's class, so the field may be declared anywhere in
// the family). Keywords may come from a dict the call splats (`super().__init__(**args)` with
// `args = {"client": client, ...}`).
Values Evaluator::passed_to_field(const ClassInfo* cls, const std::string& name, const ClassInfo* context) {
  const CallSites* sites = project_.call_sites();
  if (!sites || cls->name.empty()) return {};
  if (context == cls) context = nullptr;
  const auto key = std::make_tuple(cls, name, context);
  if (const auto* hit = memo_hit(fields_memo_, key)) return *hit;
  const MemoStamp st = stamp();
  fields_memo_[key] = {};  // a field passed its own record's field adds nothing new
  const std::vector<const ClassInfo*>& family = class_family(cls);
  auto in_family = [&](const ClassInfo* c) { return std::find(family.begin(), family.end(), c) != family.end(); };
  // The field read on an instance of `context` (a subclass): what its family's constructions
  // pass, not its siblings'.
  const ClassInfo* reader = context ? context : cls;
  const std::vector<const ClassInfo*>& readers = class_family(reader);
  // The classes built by a generated constructor: no `__init__` of the project's on the way up.
  std::vector<const ClassInfo*> generated;
  for (const ClassInfo* c : readers)
    if (!defines_init(*c)) generated.push_back(c);
  auto is_generated = [&](const ClassInfo* c) { return std::find(generated.begin(), generated.end(), c) != generated.end(); };
  // Declaration order gives positions; fields of project base classes would come first (and
  // come first in a subclass's constructor too).
  int position = 0;
  for (TSNode base : cls->bases)
    for (const auto& b : eval(base, cls->defined_in))
      if (b.kind == Value::Kind::Class) position = -1;
  if (position == 0) {
    std::vector<std::pair<uint32_t, std::string_view>> fields;
    for (const auto& [field_name, bindings] : cls->body->bindings)
      for (const auto& b : bindings)
        if (b.kind == Binding::Kind::Annotation || b.kind == Binding::Kind::Expr) fields.emplace_back(b.position, field_name);
    std::sort(fields.begin(), fields.end());
    position = -1;
    for (std::size_t i = 0; i < fields.size(); ++i)
      if (fields[i].second == name) { position = static_cast<int>(i); break; }
  }
  Values out;
  const auto& S = Syntax::get();
  auto take = [&](TSNode call, const Scope* scope, int at) {
    TSNode arg = argument_node(call, scope, at, name);
    if (!is_null(arg)) add_all(out, eval(arg, scope));
    else if (passes_splat(call) && !splat_keyword(call, scope, name, out)) add(out, unknown());
  };
  // The same in a method of an instance of `of`'s family: its parameters are read for that
  // family (for the reader's, when `of` is a base of it).
  auto take_for = [&](TSNode call, const Scope* scope, int at, const ClassInfo* of) {
    const std::size_t before = out.size();
    take(call, scope, at);
    Values added(out.begin() + static_cast<std::ptrdiff_t>(before), out.end());
    out.resize(before);
    const bool inside = std::find(readers.begin(), readers.end(), of) != readers.end();
    mark_context(added, scope, inside ? of : reader);
    add_all(out, added);
  };
  // Constructions: `Handler(...)`, `Chat(...)`, `cls(...)`.
  // `cls(...)` in a classmethod of a base, run for a class of the reader's family
  // (`DirectRecord.build(c)`): its parameters are read for that family.
  auto constructions = [&](std::string_view callee_name) {
    for (const auto& site : sites->named(callee_name)) {
      const ClassInfo* built = nullptr;
      for (const auto& callee : eval(field(site.call, S.f_function), site.scope))
        if (callee.kind == Value::Kind::Class && callee.cls &&
            (is_generated(callee.cls) || (context && callee_name == "cls" && in_family(callee.cls) && !defines_init(*callee.cls) &&
                                          related(callee.cls, context))))
          built = callee.cls;
      if (!built) continue;
      if (context && callee_name == "cls") take_for(site.call, site.scope, position, built);
      else take(site.call, site.scope, position);
    }
  };
  for (const ClassInfo* c : generated)
    if (!c->name.empty() && c->name != "cls") constructions(c->name);
  if (!generated.empty() || context) constructions("cls");
  // `super().__init__(...)` / `Base.__init__(self, ...)` in a method of the family reaching a
  // generated constructor (keywords only: pydantic takes no positional field).
  for (const auto& site : sites->named("__init__")) {
    const Scope* method = enclosing_method(site.scope);
    if (!method || !in_family(method->method_of)) continue;
    if (context && !related(method->method_of, context)) continue;
    TSNode callee = unparenthesize(field(site.call, S.f_function));
    if (sym(callee) != S.attribute) continue;
    TSNode object = unparenthesize(field(callee, S.f_object));
    bool reaches = false;
    if (sym(object) == S.call) {
      TSNode super = field(object, S.f_function);
      if (is_null(super) || text(super, site.scope->owner->code()) != "super") continue;
      // The next `__init__` up from the method's class is the generated one.
      reaches = true;
      for (TSNode base : method->method_of->bases)
        for (const auto& b : eval(base, method->method_of->defined_in)) {
          if (b.kind == Value::Kind::Class && b.cls && defines_init(*b.cls)) reaches = false;
          if (b.kind == Value::Kind::External)
            for (const ClassInfo* c : family)
              if (same_class(b, *c) && defines_init(*c)) reaches = false;
        }
    } else {
      for (const auto& b : eval(object, site.scope)) {
        if (b.kind == Value::Kind::Class && b.cls && b.cls != method->method_of && !defines_init(*b.cls)) reaches = true;
        if (b.kind == Value::Kind::External) reaches = true;  // `BaseModel.__init__(self, ...)`
      }
    }
    if (reaches) take_for(site.call, site.scope, -1, method->method_of);
  }
  fields_memo_.erase(key);  // (the guard above)
  remember(fields_memo_, key, out, st);
  return out;
}

// A dictionary splat of `call` that names keyword `name`: `f(**{"client": c})`, or `f(**args)`
// with `args = {"client": c, ...}` / `args = dict(client=c)` bound where the call is, or the
// calling function's own `**kwargs` (what its callers pass as `name=`). Adds what it passes to
// `out`; false when no splat is such a dict naming it.
bool Evaluator::splat_keyword(TSNode call, const Scope* scope, std::string_view name, Values& out) {
  const auto& S = Syntax::get();
  TSNode args = field(call, S.f_arguments);
  if (is_null(args) || sym(args) != S.argument_list) return false;
  bool found = false;
  for (TSNode a : CodeChildren(args)) {
    if (sym(a) != S.dictionary_splat || ts_node_named_child_count(a) == 0) continue;
    TSNode e = unparenthesize(ts_node_named_child(a, 0));
    std::vector<std::pair<TSNode, const Scope*>> dicts;
    if (sym(e) == S.dictionary) {
      dicts.emplace_back(e, scope);
    } else if (sym(e) == S.identifier) {
      // The caller's own `**kwargs` passed on: what its callers pass under that keyword (none
      // passing it, it carries none).
      for (const Value& v : eval(e, scope))
        if (is_whole_keywords(v))
          if (Values passed = passed_to(v.function, kKeywordsParameter, std::string(name)); !passed.empty()) {
            add_all(out, passed);
            found = true;
          }
      const std::string var(text(e, scope->owner->code()));
      for (const Scope* s = scope; s; s = s->parent) {
        auto it = s->bindings.find(var);
        if (it == s->bindings.end()) continue;
        for (const auto& b : it->second)
          if (b.kind == Binding::Kind::Expr && !is_null(b.node)) dicts.emplace_back(unparenthesize(b.node), b.scope);
        break;
      }
    }
    for (const auto& [d, where] : dicts) {
      const std::string_view code = where->owner->code();
      if (sym(d) == S.dictionary) {
        for (TSNode pair : NamedChildren(d))
          if (sym(pair) == S.pair && plain_string(field(pair, S.f_key), code) == name) {
            add_all(out, eval(field(pair, S.f_value), where));
            found = true;
          }
      } else if (sym(d) == S.call && sym(field(d, S.f_function)) == S.identifier && text(field(d, S.f_function), code) == "dict") {
        if (TSNode v = argument_node(d, where, -1, name); !is_null(v)) {
          add_all(out, eval(v, where));
          found = true;
        }
      }
    }
  }
  return found;
}

// A list splat of `call` that is the calling function's own `*args` handed on whole
// (`make_request(*args, **kwargs)` in `def make_auto_request(*args, **kwargs)`): the argument at
// `position` of the call is what that function's callers pass at the matching position. Adds it
// to `out`; false when the splat is anything else or no caller passes one there.
bool Evaluator::splat_positional(TSNode call, const Scope* scope, int position, Values& out) {
  const auto& S = Syntax::get();
  TSNode args = field(call, S.f_arguments);
  if (is_null(args) || sym(args) != S.argument_list) return false;
  const std::string_view code = scope->owner->code();
  int before = 0;  // positional arguments ahead of the splat
  for (TSNode a : CodeChildren(args)) {
    if (sym(a) == S.keyword_argument || sym(a) == S.dictionary_splat) continue;
    if (sym(a) != S.list_splat) {
      ++before;
      continue;
    }
    if (position < before || ts_node_named_child_count(a) == 0) return false;
    TSNode e = unparenthesize(ts_node_named_child(a, 0));
    if (sym(e) != S.identifier) return false;
    const std::string var(text(e, code));
    for (const Scope* s = scope; s; s = s->parent) {
      auto it = s->bindings.find(var);
      if (it == s->bindings.end()) continue;
      // Only the parameter itself, never rebound in the function (`args = args[1:]`).
      if (it->second.size() != 1) return false;
      const Binding& b = it->second.front();
      if (b.kind != Binding::Kind::Param || !b.variadic || b.keywords || s->kind != Scope::Kind::Function) return false;
      Values passed = passed_to(s, b.index + (position - before), std::string{});
      if (passed.empty()) return false;
      add_all(out, passed);
      return true;
    }
    return false;
  }
  return false;
}

bool Evaluator::called_through_parameter(const Value& v) const {
  if (v.kind != Value::Kind::Unknown || (!v.field_of && (!v.function || v.param_index < 0))) return false;
  return v.path.empty() || (v.path.find('.') == std::string::npos && catalogue_.is_star_export(v.path));
}

Values Evaluator::through_parameters(const Value& v, int depth) {
  if (v.kind != Value::Kind::Unknown || depth >= kMaxParameterHops) return {v};
  if (!v.field_of && (!v.function || v.param_index < 0)) return {v};
  if (v.param_index == kKeywordsParameter && v.param_name.empty()) return {v};  // `**kwargs` as a whole
  const Values passed = v.field_of ? passed_to_field(v.field_of, v.param_name, v.context)
                                   : passed_to(v.function, v.param_index, v.param_name, v.context);
  if (passed.empty() && v.field_of && v.param_index == kDefaultedField) return {};  // the default decides
  if (passed.empty()) return {v};
  Values out;
  for (const auto& r : attribute_path(passed, v.path)) add_all(out, through_parameters(r, depth + 1));
  // A parameter of a method of `C` does not take a client a sibling class's method builds (a
  // registry's classes, each building its own client and handed it back: `provider.call_model(
  // provider.create_client())` through a variable holding any of them).
  if (v.function && v.function->method_of && !v.field_of)
    std::erase_if(out, [&](const Value& r) {
      if (r.kind != Value::Kind::Client || !r.origin) return false;
      const ClassInfo* builder = building_class(r);
      return builder && siblings(v.function->method_of, builder);
    });
  if (out.empty()) return {opaque()};
  return out;
}

}  // namespace qg::python
