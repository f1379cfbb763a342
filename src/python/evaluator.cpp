#include "python/evaluator.h"

#include <algorithm>

#include "python/library_clients.h"
#include "python/syntax.h"

namespace qg::python {

namespace {

// Nested evaluations (a name's bindings, a call's returns, a parameter's callers, ...). A result
// past it is lost (unresolved), so the bound must exceed what the whole program's search reaches:
// 96 lost agno's inherited `get_client()` on its full tree only (bench/provenance/heldout.md).
constexpr int kMaxDepth = 192;

// RAII guard for the recursion depth and for cycles through one binding or function.
class Guard {
 public:
  Guard(int& depth, std::unordered_set<const void*>& active, const void* key)
      : depth_(depth), active_(active), key_(key) {
    ok_ = depth_ < kMaxDepth && (!key_ || active_.insert(key_).second);
    if (ok_) ++depth_;
  }
  ~Guard() {
    if (!ok_) return;
    --depth_;
    if (key_) active_.erase(key_);
  }
  bool ok() const { return ok_; }

 private:
  int& depth_;
  std::unordered_set<const void*>& active_;
  const void* key_;
  bool ok_;
};

// Container methods whose result is an element (`get`, `pop`, `setdefault`) or the elements
// again (`values()`, `items()`: iterated, or unpacked `for name, client in d.items()`).
bool is_element_method(std::string_view name) {
  return name == "get" || name == "pop" || name == "setdefault" || name == "values" || name == "items" || name == "copy";
}

Value make(Value::Kind kind, std::string path = {}) {
  Value v;
  v.kind = kind;
  v.path = std::move(path);
  return v;
}

std::string join(std::string_view a, std::string_view b) { return join_dotted(a, b); }

const ModuleInfo& owner(const Scope* s) { return *s->owner; }

}  // namespace

std::string strip_response_wrappers(std::string_view path) {
  const auto& cat = Catalogue::get();
  std::string out;
  while (!path.empty()) {
    auto dot = path.find('.');
    auto seg = path.substr(0, dot);
    if (!cat.is_response_wrapper(seg)) {
      if (!out.empty()) out.push_back('.');
      out.append(seg);
    }
    if (dot == std::string_view::npos) break;
    path.remove_prefix(dot + 1);
  }
  return out;
}

// ---- names -------------------------------------------------------------------------------

// The bindings that can reach a read at `use_pos`: the last unconditional one before it and
// every conditional one after that. A read before every binding (a loop, a hoisted use) sees all.
static std::vector<const Binding*> reaching(const std::vector<Binding>& all, uint32_t use_pos) {
  std::vector<const Binding*> before;
  for (const auto& b : all)
    if (b.position <= use_pos) before.push_back(&b);
  if (before.empty())
    for (const auto& b : all) before.push_back(&b);
  std::stable_sort(before.begin(), before.end(), [](auto* a, auto* b) { return a->position < b->position; });
  std::size_t first = 0;
  for (std::size_t i = 0; i < before.size(); ++i)
    if (!before[i]->conditional) first = i;
  before.erase(before.begin(), before.begin() + static_cast<std::ptrdiff_t>(first));
  return before;
}

Values Evaluator::lookup(const Scope* scope, std::string_view name, uint32_t use_pos) {
  const std::string key(name);
  const Scope* module_scope = scope;
  while (module_scope->parent) module_scope = module_scope->parent;
  bool first = true;
  for (const Scope* s = scope; s; s = s->parent) {
    // Class bodies are visible to their own statements only, not to nested functions.
    if (s->kind == Scope::Kind::Class && !first) continue;
    first = false;
    if (s->kind != Scope::Kind::Module && s->declares_global(name)) s = module_scope;
    auto it = s->bindings.find(key);
    if (it != s->bindings.end()) {
      Values out;
      for (const Binding* b : reaching(it->second, s == scope ? use_pos : UINT32_MAX)) add_all(out, binding_values(*b, s));
      return out;
    }
    if (s == module_scope) break;
  }
  // `from m import *` (a cycle of them ends where it started)
  Values out;
  if (module_scope->star_imports.empty()) return out;
  const auto [looking, fresh] = star_lookups_.emplace(module_scope, key);
  if (!fresh) return out;
  for (const auto& star : module_scope->star_imports) add_all(out, import_value(owner(module_scope), star.module, name, star.level));
  star_lookups_.erase(looking);
  return out;
}

Values Evaluator::binding_values(const Binding& b, const Scope* owner_scope) {
  if (auto it = binding_memo_.find(&b); it != binding_memo_.end()) return it->second;
  Guard guard(depth_, in_progress_, &b);
  if (!guard.ok()) return {};
  Values out;
  switch (b.kind) {
    case Binding::Kind::Expr:
      out = eval(b.node, b.scope);
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
        v.subclasses = !fn->is_classmethod;
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
      break;
    }
    case Binding::Kind::Annotation:
      out = annotation_value(b.node, b.scope);
      break;
    case Binding::Kind::Opaque:
      out.push_back(opaque());
      break;
  }
  binding_memo_[&b] = out;
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
  } else if (callee.size() != 1 || callee[0].kind != Value::Kind::External || callee[0].path != "importlib.import_module") {
    return std::nullopt;
  }
  const auto literal = plain_string(argument_node(call, scope, 0, "name"), code);
  if (!literal) return std::nullopt;
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

Values Evaluator::module_export(const ModuleInfo& module, std::string_view name) {
  auto& scopes = const_cast<ModuleInfo&>(module).scopes;
  if (scopes.empty()) return {};
  Values out = lookup(&scopes.front(), name);
  if (out.empty()) out = lazy_export(module, name);  // PEP 562: `def __getattr__(name)` imports it
  return out;
}

// ---- expressions -------------------------------------------------------------------------

Values Evaluator::eval(TSNode n, const Scope* scope) {
  if (is_null(n) || !scope) return {opaque()};
  Guard guard(depth_, in_progress_, nullptr);
  if (!guard.ok()) return {unknown()};
  const auto& S = Syntax::get();
  const std::string_view code = owner(scope).code();
  const TSSymbol k = sym(n);

  if (k == S.identifier) {
    Values v = lookup(scope, text(n, code), start_byte(n));
    if (v.empty()) v.push_back(opaque());  // builtins and undefined names
    return v;
  }
  if (k == S.attribute) {
    TSNode object = field(n, S.f_object), attr = field(n, S.f_attribute);
    if (is_null(object) || is_null(attr)) return {opaque()};
    return attribute(eval(object, scope), text(attr, code));
  }
  if (k == S.call) {
    // `getattr(x, "name")` is `x.name` (and the default, if given); with a name not known here
    // the result is nothing this analysis follows (reported as such where it is taken).
    if (auto g = getattr_parts(n, scope)) {
      if (!g->literal) return {opaque()};
      Values out = attribute(eval(g->object, scope), g->literal_name);
      if (!is_null(g->fallback)) add_all(out, eval(g->fallback, scope));
      return out;
    }
    Values callee = eval(field(n, S.f_function), scope);
    if (auto module = dynamic_import(callee, n, scope)) return std::move(*module);
    return call_result(callee, n, scope);
  }
  if (k == S.parenthesized_expression || k == S.await) {
    if (ts_node_named_child_count(n) == 0) return {opaque()};
    return eval(ts_node_named_child(n, 0), scope);
  }
  if (k == S.boolean_operator) {
    Values out = eval(field(n, S.f_left), scope);
    add_all(out, eval(field(n, S.f_right), scope));
    return out;
  }
  if (k == S.conditional_expression) {
    // a if cond else b: named children are [a, cond, b].
    Values out;
    if (ts_node_named_child_count(n) >= 3) {
      out = eval(ts_node_named_child(n, 0), scope);
      add_all(out, eval(ts_node_named_child(n, 2), scope));
    }
    return out;
  }
  if (k == S.named_expression) return eval(field(n, S.f_value), scope);
  if (k == S.lambda) {
    auto it = owner(scope).expression_scopes.find(start_byte(n));
    if (it == owner(scope).expression_scopes.end()) return {opaque()};
    Value v = make(Value::Kind::Function);
    v.function = it->second;
    return {v};
  }
  if (k == S.list || k == S.tuple || k == S.set || k == S.expression_list || k == S.dictionary) {
    auto elements = std::make_shared<Values>();
    for (TSNode c : NamedChildren(n)) {
      TSNode item = sym(c) == S.pair ? field(c, S.f_value) : c;
      if (sym(item) == S.list_splat || sym(item) == S.dictionary_splat) {
        if (ts_node_named_child_count(item) > 0) add_all(*elements, elements_of(eval(ts_node_named_child(item, 0), scope), -1));
        continue;
      }
      add_all(*elements, eval(item, scope));
    }
    Value v = make(Value::Kind::Container);
    v.elements = std::move(elements);
    return {v};
  }
  if (k == S.list_comprehension || k == S.set_comprehension || k == S.dictionary_comprehension ||
      k == S.generator_expression) {
    auto it = owner(scope).expression_scopes.find(start_byte(n));
    const Scope* comp = it == owner(scope).expression_scopes.end() ? scope : it->second;
    TSNode body = field(n, S.f_body);
    if (!is_null(body) && sym(body) == S.pair) body = field(body, S.f_value);
    Value v = make(Value::Kind::Container);
    v.elements = std::make_shared<Values>(eval(body, comp));
    return {v};
  }
  if (k == S.subscript) {
    // `Agent[Ctx](...)`: a library class parametrised is the class.

    Values generic, rest;
    for (const auto& v : eval(field(n, S.f_value), scope)) {
      const bool library_class = v.kind == Value::Kind::External && libraries_.is_class(v.path);
      if (v.kind == Value::Kind::Unknown && v.param_index == kKeywordsParameter && v.param_name.empty() && v.path.empty())
        if (auto keyword = keyword_of_kwargs(v, field(n, S.f_subscript), {}, scope)) {  // `kwargs["client"]`
          add_all(generic, *keyword);
          continue;
        }
      add(library_class ? generic : rest, v);
    }
    add_all(generic, elements_of(rest, -1));
    return generic;
  }
  if (k == S.as_pattern && ts_node_named_child_count(n) > 0) return eval(ts_node_named_child(n, 0), scope);
  return {opaque()};
}

Values Evaluator::elements_of(const Values& values, int index) {
  Values out;
  for (const auto& v : values) {
    if (v.kind == Value::Kind::Container && v.elements && v.path.empty()) add_all(out, *v.elements);
    else if (v.kind == Value::Kind::Unknown) add(out, unknown());
    else add(out, opaque());
  }
  (void)index;  // positions are not tracked inside containers; every element is a candidate
  return out;
}

Values Evaluator::attribute(const Values& base, std::string_view name) {
  Values out;
  for (const auto& v : base) {
    switch (v.kind) {
      case Value::Kind::External: add(out, make(Value::Kind::External, join(v.path, name))); break;
      case Value::Kind::Client: {
        Value c = v;
        c.path = join(v.path, name);
        add(out, std::move(c));
        break;
      }
      case Value::Kind::Unknown: {
        Value u = v;
        u.path = join(v.path, name);
        add(out, std::move(u));
        break;
      }
      case Value::Kind::Module: {
        if (auto kind = project_.factory(v.path, name)) {
          Value f = make(Value::Kind::Factory);
          f.client_kind = *kind;
          add(out, std::move(f));
          break;
        }
        Values exported;
        if (const ModuleInfo* m = project_.module(v.path)) exported = module_export(*m, name);
        if (exported.empty() && project_.has_module_or_package(join(v.path, name)))
          exported.push_back(make(Value::Kind::Module, join(v.path, name)));
        if (exported.empty() && libraries_.is_significant(join(v.path, name)))  // as in import_value
          exported.push_back(make(Value::Kind::External, join(v.path, name)));
        add_all(exported, stored_elsewhere(v, name));  // `config.client = OpenAI()` in another module
        if (exported.empty()) exported.push_back(opaque());
        add_all(out, exported);
        break;
      }
      case Value::Kind::Object: {  // `Runner().run`, `provider.get_model`: the class's member
        if (const Holder* h = client_holder(v.path); h && h->client_attribute == name) {  // `agent.client`
          add_all(out, held_client(v, *h));
          break;
        }
        Value member = make(Value::Kind::External, join(v.path, name));
        member.bound = true;  // reached through an instance (python/parameters.cpp: implicit_arguments)
        // `agent.clone`: the receiver rides along, for the copy the call makes.
        if (libraries_.is_copy_method(member.path)) member.elements = std::make_shared<Values>(Values{v});
        add(out, std::move(member));
        break;
      }
      case Value::Kind::Class: add_all(out, class_attribute(*v.cls, name, false)); break;
      case Value::Kind::Instance: {
        Values member = class_attribute(*v.cls, name, true);
        if (v.subclasses) add_all(member, overrides(*v.cls, name, member));
        add_all(out, member);
        break;
      }
      case Value::Kind::Container: {  // `clients.get(name)`: a method call_result reads through
        if (!v.path.empty() || !is_element_method(name)) {
          add(out, opaque());
          break;
        }
        Value method = v;
        method.path = std::string(name);
        add(out, std::move(method));
        break;
      }
      default: add(out, opaque()); break;
    }
  }
  return out;
}

const Holder* Evaluator::client_holder(std::string_view qualified) const {
  const Holder* h = libraries_.holder(qualified).second;
  if (!h) h = LibraryClientTable::get().holder(qualified);
  return h && !h->client_attribute.empty() ? h : nullptr;
}

Values Evaluator::held_client(const Value& object, const Holder& holder) {
  // An OpenAI client the code does not show (not handed over visibly, a parameter's caller not
  // found): the library's attribute is one all the same, of unresolved origin.
  auto unresolved = [] {
    Value u = unknown();
    u.annotated = true;
    return u;
  };
  Values out;
  if (!is_null(object.node)) {
    // A copy (`agent.clone(...)`) takes keywords only; what it does not pass, it copies.
    const auto at = std::find(holder.parameters.begin(), holder.parameters.end(), holder.client);
    const int index = object.elements || at == holder.parameters.end() ? -1 : static_cast<int>(at - holder.parameters.begin());
    if (TSNode arg = argument_node(object.node, object.scope, index, holder.client); !is_null(arg)) return eval(arg, object.scope);
    if (object.elements)
      for (const Value& original : *object.elements) add_all(out, attribute({original}, holder.client_attribute));
  } else if (object.function && object.param_index >= 0) {  // `def f(agent: AzureAssistantAgent)`
    for (const Value& passed : passed_to(object.function, object.param_index, object.param_name))
      for (const Value& p : through_parameters(passed)) {
        // What the annotation does not vouch for (a mock, an object the scanner cannot see into)
        // is an agent all the same: its client is unresolved.
        if (p.kind == Value::Kind::Object || p.kind == Value::Kind::Instance)
          add_all(out, attribute({p}, holder.client_attribute));
        else
          add(out, unresolved());
      }
  }
  if (out.empty()) out.push_back(unresolved());
  return out;
}

Values Evaluator::attribute_path(Values base, std::string_view path) {
  while (!path.empty()) {
    auto dot = path.find('.');
    base = attribute(base, path.substr(0, dot));
    if (dot == std::string_view::npos) break;
    path.remove_prefix(dot + 1);
  }
  return base;
}

Values Evaluator::class_attribute(const ClassInfo& cls, std::string_view name, bool instance) {
  Values out;
  bool external_base = false;
  std::vector<const ClassInfo*> mro{&cls};
  Values library_bases;  // `class MyRunner(Runner)`: what the class does not define, the library's does
  for (std::size_t i = 0; i < mro.size() && mro.size() < 12; ++i) {
    const ClassInfo* c = mro[i];
    for (TSNode base : c->bases) {
      bool project_base = false;
      for (const auto& bv : eval(base, c->defined_in)) {
        // A project class, also under the external name a modelled library's own repository
        // imports it by (python/parameters.cpp: project_class).
        const ClassInfo* base_class = bv.kind == Value::Kind::Class ? bv.cls : project_class(bv);
        if (base_class) {
          project_base = true;
          if (std::find(mro.begin(), mro.end(), base_class) == mro.end()) mro.push_back(base_class);
        }
        if (bv.kind == Value::Kind::External && libraries_.library_of(bv.path)) add(library_bases, bv);
      }
      external_base |= !project_base;
    }
  }
  const std::string key(name);
  for (const ClassInfo* c : mro) {
    if (auto it = c->body->bindings.find(key); it != c->body->bindings.end()) {
      for (const auto& b : it->second) {
        if (b.kind == Binding::Kind::Function && instance && b.function->is_property) {
          add_all(out, function_returns(b.function));
          continue;
        }
        for (auto v : binding_values(b, c->body)) {
          if (v.kind == Value::Kind::Function && v.function && v.function->method_of)
            v.bound = (instance && !v.function->is_staticmethod) || v.function->is_classmethod;
          if (instance && b.kind == Binding::Kind::Annotation && v.kind == Value::Kind::Unknown) {
            v.field_of = c;  // `client: OpenAI` declared, set by whoever constructs the record
            v.param_name = key;
            if (c != &cls) v.context = &cls;  // read on a subclass: its constructions only
          }
          add(out, std::move(v));
        }
      }
    }
    if (auto it = c->instance_attrs.find(key); it != c->instance_attrs.end())
      for (const auto& b : it->second) {
        Values assigned = binding_values(b, b.scope);
        // `self.client = client` in a base's method, read on a subclass: what the calls of that
        // method on the subclass's family pass.
        if (instance && c != &cls)
          for (auto& v : assigned)
            if (v.kind == Value::Kind::Unknown && v.function && v.function->method_of == c && v.param_index >= 0 && !v.context)
              v.context = &cls;
        add_all(out, assigned);
      }
    Value as_read = make(instance ? Value::Kind::Instance : Value::Kind::Class);
    as_read.cls = c;
    add_all(out, stored_elsewhere(as_read, name));  // `Holder.client = OpenAI()` elsewhere
  }
  // Never assigned where we can see it (set by a base class we cannot read, setattr, ...): an
  // unknown value that keeps the attribute's name, so `x.chat.completions.create` stays that API,
  // and what a library base class defines under that name.
  if (out.empty()) {
    out.push_back(unknown(std::string(name)));
    add_all(out, attribute(library_bases, name));
  }
  (void)external_base;
  return out;
}

Values Evaluator::annotation_value(TSNode annotation, const Scope* scope) {
  // An annotation naming an OpenAI client class makes the value an (unresolved) client; `Any`
  // or nothing we can read keeps it unknown; any other type says it is not a client.
  const auto& S = Syntax::get();
  const std::string_view code = owner(scope).code();
  bool client = false, any = false;
  Values instances;  // `deps: Deps`: an instance of that project class
  // What one name in the annotation says: a client class, Any, or a project class.
  auto consider = [&](const Values& named) {
    for (const auto& v : named) {
      if (v.kind == Value::Kind::External && catalogue_.client_class(v.path)) client = true;
      if (v.kind == Value::Kind::External && (v.path == "typing.Any" || v.path.ends_with(".Any"))) any = true;
      const bool holder = v.kind == Value::Kind::External && client_holder(v.path);
      if (holder)  // `agent: AzureAssistantAgent`
        add(instances, make(Value::Kind::Object, v.path));
      // A project class, also under the external name a modelled library's own repository
      // imports it by (a library object it models stays one).
      if (const ClassInfo* cls = v.kind == Value::Kind::Class ? v.cls : holder ? nullptr : project_class(v)) {
        if (client_subclass(*cls)) client = true;
        Value inst = make(Value::Kind::Instance);
        inst.cls = cls;
        inst.subclasses = true;
        add(instances, std::move(inst));
      }
    }
  };
  std::vector<TSNode> stack{annotation};
  while (!stack.empty() && !client) {
    TSNode n = stack.back();
    stack.pop_back();
    const TSSymbol k = sym(n);
    if (k == S.identifier || k == S.attribute) {
      consider(eval(n, scope));
      if (k == S.identifier && text(n, code) == "Any") any = true;
      if (k == S.attribute) continue;
    } else if (k == S.string) {
      // "OpenAI" / "openai.AsyncOpenAI" / "Agent" (a forward reference): look the names up.
      auto body = text(n, code);
      std::size_t i = 0;
      while (i < body.size()) {
        while (i < body.size() && !(std::isalnum(static_cast<unsigned char>(body[i])) || body[i] == '_')) ++i;
        std::size_t j = i;
        while (j < body.size() && (std::isalnum(static_cast<unsigned char>(body[j])) || body[j] == '_' || body[j] == '.')) ++j;
        if (j > i) {
          auto word = body.substr(i, j - i);
          auto head = word.substr(0, word.find('.'));
          Values base = lookup(scope, head);
          if (head.size() < word.size()) {
            auto rest = word.substr(head.size() + 1);
            while (!rest.empty()) {
              auto dot = rest.find('.');
              base = attribute(base, rest.substr(0, dot));
              if (dot == std::string_view::npos) break;
              rest.remove_prefix(dot + 1);
            }
          }
          consider(base);
        }
        i = j + 1;
      }
      continue;
    }
    for (TSNode c : NamedChildren(n)) stack.push_back(c);
  }
  if (client) {
    Value u = unknown();
    u.annotated = true;
    return {u};
  }
  if (!instances.empty()) return instances;
  return {any ? unknown() : opaque()};
}

// ---- calls ---------------------------------------------------------------------------------

Values Evaluator::function_returns(const Scope* fn) {
  if (auto it = returns_memo_.find(fn); it != returns_memo_.end()) return it->second;
  Guard guard(depth_, in_progress_, fn);
  if (!guard.ok()) return {};
  Values out;
  for (TSNode r : fn->returns) add_all(out, eval(r, fn));
  if (out.empty()) out.push_back(opaque());  // returns None
  returns_memo_[fn] = out;
  return out;
}

std::optional<ClientKind> Evaluator::client_subclass(const ClassInfo& cls, int depth) {
  if (depth > 8) return std::nullopt;
  Guard guard(depth_, in_progress_, &cls);
  if (!guard.ok()) return std::nullopt;
  for (TSNode base : cls.bases)
    for (const auto& v : eval(base, cls.defined_in)) {
      if (v.kind == Value::Kind::External)
        if (auto* c = catalogue_.client_class(v.path)) return c->kind;
      if (v.kind == Value::Kind::Class && v.cls)
        if (auto k = client_subclass(*v.cls, depth + 1)) return k;
    }
  return std::nullopt;
}

Value Evaluator::construction(ClientKind kind, const Scope* scope, TSNode call) {
  Value c = make(Value::Kind::Client);
  c.client_kind = kind;
  c.prov = owner(scope).is_factory ? Provenance::Factory : Provenance::Direct;
  c.origin = &owner(scope);
  c.origin_line = ts_node_start_point(call).row + 1;
  return c;
}

Values Evaluator::call_result(const Values& callee, TSNode call, const Scope* scope) {
  Values out;
  for (const auto& v : callee) {
    switch (v.kind) {
      case Value::Kind::External:
        if (auto* c = catalogue_.client_class(v.path)) add(out, construction(c->kind, scope, call));
        else if (const auto* e = LibraryClientTable::get().entry(v.path); e && e->returns_client)
          add(out, construction(ClientKind::Async, scope, call));  // the library's own, returned (QG010 there)
        else if (v.elements && libraries_.is_copy_method(v.path)) {  // `agent.clone(model=...)`
          Value o = make(Value::Kind::Object, v.path.substr(0, v.path.rfind('.')));
          o.node = call;
          o.scope = scope;
          o.elements = v.elements;
          add(out, std::move(o));
        } else if (auto kind = project_.factory(v.path)) {
          Value f = make(Value::Kind::Client);
          f.prov = Provenance::Factory;
          f.client_kind = *kind;
          add(out, std::move(f));
        } else if (libraries_.is_class(v.path) || LibraryClientTable::get().holder(v.path)) {
          // `Agent(...)`, `RunConfig(...)`, `Runner()`, `AzureAssistantAgent(client=...)`
          Value o = make(Value::Kind::Object, v.path);
          o.node = call;
          o.scope = scope;
          add(out, std::move(o));
        } else {
          // A library call handed a client (`instructor.from_openai(OpenAI())`,
          // `wrap_openai(client)`) returns a wrapper that sends through that client.
          bool passed = false;
          for (auto& arg : argument_values(call, scope))
            if (arg.kind == Value::Kind::Client) {
              Value c = arg;
              c.path.clear();
              c.own_members = true;
              add(out, std::move(c));
              passed = true;
            }
          if (!passed) add(out, opaque());
        }
        break;
      case Value::Kind::Factory: {
        Value f = make(Value::Kind::Client);
        f.prov = Provenance::Factory;
        f.client_kind = v.client_kind;
        add(out, std::move(f));
        break;
      }
      case Value::Kind::Container:  // a method is_element_method names (attribute())
        if (v.path.empty() || !v.elements) {
          add(out, opaque());
        } else if (v.path == "values" || v.path == "items" || v.path == "copy") {
          Value again = v;
          again.path.clear();
          add(out, std::move(again));
        } else {
          add_all(out, *v.elements);
          if (v.path != "pop")  // `get(key, default)`, `setdefault(key, default)`
            if (TSNode fallback = argument_node(call, scope, 1, "default"); !is_null(fallback))
              add_all(out, eval(fallback, scope));
        }
        break;
      case Value::Kind::Client:
        if (catalogue_.is_copy_method(v.path)) {  // client.with_options(...) is a client too
          Value c = v;
          c.path.clear();
          add(out, std::move(c));
        } else {
          add(out, opaque());
        }
        break;
      case Value::Kind::Unknown: {
        if (v.param_index == kKeywordsParameter && v.param_name.empty() && (v.path == "pop" || v.path == "get" || v.path == "setdefault"))
          if (auto keyword = keyword_of_kwargs(v, argument_node(call, scope, 0, "key"), argument_node(call, scope, 1, "default"), scope)) {
            add_all(out, *keyword);
            break;
          }
        // A parameter called (`make_client()` passed in, a parametrized class): what is passed.
        if (v.path.empty() && (v.field_of || (v.function && v.param_index >= 0))) {
          const Values passed = through_parameters(v);
          if (passed.size() != 1 || !passed.front().same(v)) {
            // What is still a parameter after the hops (a recursive function passing its own
            // on) is called no further: it would expand the same way again.
            Values resolved;
            for (const auto& p : passed)
              add(resolved, p.kind == Value::Kind::Unknown && p.path.empty() ? unknown() : p);
            add_all(out, call_result(resolved, call, scope));
            break;
          }
        }
        // The result of an unknown call may be a client (`container.get_client()`), but an
        // API call's result is a response; `c.with_options(...)` is `c` again.
        std::string api = strip_response_wrappers(v.path);
        if (catalogue_.is_copy_method(v.path)) {
          Value same = v;
          same.path.clear();
          add(out, std::move(same));
        } else {
          add(out, catalogue_.api_method(api) ? opaque() : unknown());
        }
        break;
      }
      case Value::Kind::Function:
        // `with session() as c` for a `@contextmanager`: what it yields.
        if (v.function->is_context_manager && !v.function->yields.empty()) {
          for (TSNode y : v.function->yields) add_all(out, eval(y, v.function));
          break;
        }
        // A generator: what it yields, as the elements of what it returns (`for c in gen()`).
        if (!v.function->yields.empty()) {
          Value produced = make(Value::Kind::Container);
          auto elements = std::make_shared<Values>();
          for (TSNode y : v.function->yields) add_all(*elements, eval(y, v.function));
          produced.elements = std::move(elements);
          add(out, std::move(produced));
          break;
        }
        for (const auto& r : function_returns(v.function)) {
          if (r.kind != Value::Kind::Unknown || r.function != v.function || r.param_index < 0) {
            add(out, r);
            continue;
          }
          // The function returns (something reached from) one of its parameters: use the
          // argument this call passes for it.
          Values arg = argument_for(call, scope, r.param_index - (v.bound ? 1 : 0), r.param_name);
          if (arg.empty()) { add(out, unknown(r.path)); continue; }
          add_all(out, attribute_path(arg, r.path));
        }
        break;
      case Value::Kind::Class:
        if (auto kind = client_subclass(*v.cls)) {
          Value c = construction(*kind, scope, call);
          c.own_members = true;
          // A wrapper subclass defined in a factory module is the tracked client itself.
          if (v.cls->body && v.cls->body->owner->is_factory) c.prov = Provenance::Factory;
          add(out, std::move(c));
        } else {
          Value inst = make(Value::Kind::Instance);
          inst.cls = v.cls;
          add(out, std::move(inst));
        }
        break;
      default: add(out, opaque()); break;
    }
  }
  if (out.empty()) out.push_back(opaque());
  return out;
}

std::optional<Values> Evaluator::keyword_of_kwargs(const Value& keywords, TSNode key, TSNode fallback, const Scope* scope) {
  const auto literal = plain_string(key, owner(scope).code());
  if (!literal || literal->empty()) return std::nullopt;
  Value passed = keywords;
  passed.path.clear();
  passed.param_name = std::string(*literal);
  Values out{std::move(passed)};
  if (!is_null(fallback)) add_all(out, eval(fallback, scope));
  return out;
}

Values Evaluator::argument_values(TSNode call, const Scope* scope) {
  const auto& S = Syntax::get();
  Values out;
  TSNode args = field(call, S.f_arguments);
  if (is_null(args) || sym(args) != S.argument_list) return out;
  for (TSNode a : NamedChildren(args)) {
    TSNode value = sym(a) == S.keyword_argument ? field(a, S.f_value) : a;
    if (sym(value) == S.list_splat || sym(value) == S.dictionary_splat) continue;
    add_all(out, eval(value, scope));
  }
  return out;
}

TSNode Evaluator::argument_node(TSNode call, const Scope* scope, int index, std::string_view name) const {
  const auto& S = Syntax::get();
  TSNode args = field(call, S.f_arguments);
  if (is_null(args) || sym(args) != S.argument_list) return {};
  const std::string_view code = owner(scope).code();
  int position = 0;
  for (TSNode a : NamedChildren(args)) {
    if (sym(a) == S.keyword_argument) {
      if (text(field(a, S.f_name), code) == name) return field(a, S.f_value);
      continue;
    }
    if (sym(a) == S.list_splat || sym(a) == S.dictionary_splat) return {};  // cannot tell
    if (index >= 0 && position++ == index) return a;
  }
  return {};
}

Values Evaluator::argument_for(TSNode call, const Scope* scope, int index, std::string_view name) {
  TSNode a = argument_node(call, scope, index, name);
  if (is_null(a)) return {};
  return eval(a, scope);
}

}  // namespace qg::python
