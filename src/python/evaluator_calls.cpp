// The evaluator's calls: what a call returns, constructions, arguments (evaluator.h).
#include "python/evaluator.h"

#include <algorithm>

#include "python/evaluator_detail.h"
#include "python/library_clients.h"
#include "python/syntax.h"

namespace qg::python {

using namespace evaluator_detail;

// ---- calls ---------------------------------------------------------------------------------

Values Evaluator::function_returns(const Scope* fn) {
  if (const auto* hit = memo_hit(returns_memo_, fn, !contexts_.empty() && in_context(fn))) return *hit;
  const MemoStamp st = stamp();
  Guard guard(depth_, cuts_, in_progress_, fn);
  if (!guard.ok()) return {};
  Values out;
  for (TSNode r : fn->returns) add_all(out, eval(r, fn));
  if (out.empty()) out.push_back(opaque());  // returns None
  remember(returns_memo_, fn, out, st);
  return out;
}

bool Evaluator::imports_by_parameter(const Scope* fn) {
  const Values returned = function_returns(fn);
  return std::any_of(returned.begin(), returned.end(), [](const Value& v) { return v.imports; });
}

std::optional<ClientKind> Evaluator::client_subclass(const ClassInfo& cls, int depth) {
  if (depth > 8) return std::nullopt;
  Guard guard(depth_, cuts_, in_progress_, &cls);
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

bool Evaluator::names_other_library(TSNode type, const Scope* scope) {
  const auto& S = Syntax::get();
  std::vector<TSNode> stack;
  if (!is_null(type)) stack.push_back(type);
  while (!stack.empty()) {
    const TSNode n = stack.back();
    stack.pop_back();
    if (sym(n) == S.identifier || sym(n) == S.attribute || sym(n) == S.string) {
      // `cast("Provider[Client]", x)` with google.genai's Client: its names, as an annotation's.
      for (const Value& t : sym(n) == S.string ? string_names(text(n, owner(scope).code()), scope) : eval(n, scope)) {
        const std::string_view top = std::string_view(t.path).substr(0, t.path.find('.'));
        if (t.kind == Value::Kind::External && top != "typing" && top != "typing_extensions" && top != "builtins" && top != "collections")
          return true;
      }
      continue;
    }
    for (TSNode c : NamedChildren(n)) stack.push_back(c);
  }
  return false;
}

Values Evaluator::cast_value(TSNode call, const Scope* scope) {
  // `cast(Any, self._client)`, `cast("T", x)`: what `x` is. A type naming another package's
  // class that is no OpenAI client (`cast(Groq, x)`) says what an annotation of it says.
  const TSNode value = argument_node(call, scope, 1, "val");
  if (is_null(value)) return {opaque()};
  const TSNode type = argument_node(call, scope, 0, "typ");
  if (names_other_library(type, scope)) {
    // `cast(OpenAI, x)` is x; `cast(Groq, x)`, `cast("Provider[Client]", x)`: no client, as the
    // annotation is (the project class a generic names is no narrower than its vendor's type).
    const Values declared = annotation_value(type, scope);
    if (!std::any_of(declared.begin(), declared.end(), [](const Value& d) { return d.kind == Value::Kind::Unknown && d.annotated; }))
      return {opaque()};
  }
  return vouched_by(type, scope, value, eval(value, scope));
}

// `partial(OpenAI, api_key=k)` (a callable binder of rules/python/clients.toml): the client class,
// so a call of what it returns constructs one; marked with the binder's call (`node`), whose
// bound arguments a rewrite of that call would lose. Empty for anything else: a partial of a
// project function keeps its arguments with the call sites (python/call_sites.cpp), not here.
Values Evaluator::bound_client_class(const Value& binder, TSNode call, const Scope* scope) {
  Values out;
  if (binder.kind != Value::Kind::External || !catalogue_.is_callable_binder(binder.path)) return out;
  for (Value f : eval(argument_node(call, scope, 0, "func"), scope))
    if (f.kind == Value::Kind::External && catalogue_.client_class(f.path)) {
      f.node = call;
      add(out, std::move(f));
    }
  return out;
}

// `field(default_factory=OpenAI)` (a factory taker of rules/python/clients.toml): the client
// class, or the tracking factory (`default_factory=quotaguard.openai_client`), handed to be
// called later, with its argument node; nothing for any other call.
std::optional<Evaluator::FactoryHanded> Evaluator::factory_handed(const Value& taker, TSNode call, const Scope* scope) {
  if (taker.kind != Value::Kind::External) return std::nullopt;
  const Catalogue::FactoryArgument* spec = catalogue_.factory_argument(taker.path);
  if (!spec) return std::nullopt;
  const TSNode arg = argument_node(call, scope, spec->position, spec->keyword);
  if (is_null(arg)) return std::nullopt;
  for (const Value& f : eval(arg, scope)) {
    if (f.kind == Value::Kind::Factory) return FactoryHanded{f.client_kind, arg, true};  // `quotaguard.openai_client`
    if (f.kind != Value::Kind::External) continue;
    if (const ClientClass* c = catalogue_.client_class(f.path)) return FactoryHanded{c->kind, arg, false};
    if (const auto kind = project_.factory(f.path)) return FactoryHanded{*kind, arg, true};
  }
  return std::nullopt;
}

Values Evaluator::call_result(const Values& callee, TSNode call, const Scope* scope) {
  Values out;
  for (const auto& v : callee) {
    switch (v.kind) {
      case Value::Kind::External:
        if (catalogue_.is_value_cast(v.path)) {
          add_all(out, cast_value(call, scope));  // `cast(Any, Stub())`: the stub
        } else if (Values bound = bound_client_class(v, call, scope); !bound.empty()) {
          add_all(out, std::move(bound));  // `partial(OpenAI, api_key=k)`: the class
        } else if (auto* c = catalogue_.client_class(v.path)) add(out, construction(c->kind, scope, call));
        else if (const auto handed = factory_handed(v, call, scope)) {  // the field's client
          Value c = construction(handed->kind, scope, handed->argument);
          if (handed->tracked) c.prov = Provenance::Factory;
          add(out, std::move(c));
        }
        else if (const auto* e = LibraryClientTable::get().entry(v.path); e && e->returns_client)
          add(out, construction(ClientKind::Async, scope, call));  // the library's own, returned (QG010 there)
        else if (const std::string* cls = LibraryClientTable::get().instance_of(v.path)) {
          // `index = VectorStoreIndex.from_documents(docs)`: `index.as_query_engine` names an entry.
          Value o = make(Value::Kind::Object, *cls);
          o.node = call;
          o.scope = scope;
          add(out, std::move(o));
        }
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
        } else if (v.path == "typing.TypeVar" || v.path == "typing_extensions.TypeVar") {
          // `ClientT = TypeVar("ClientT", bound=OpenAI)`: no client itself; an annotation naming
          // it reads its bound or constraints from this call (annotation_value).
          Value t = opaque();
          t.path = "typing.TypeVar";
          t.node = call;
          t.scope = scope;
          add(out, std::move(t));
        } else if (const Value own = own_library_function(v); own.kind != Value::Kind::Opaque) {
          add_all(out, call_result({own}, call, scope));
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
        // A parameter called (`make_client()` passed in, a parametrized class), or a client
        // class of a module passed in (`openai.OpenAI()`): what is passed.
        if (called_through_parameter(v)) {
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
      case Value::Kind::Function: {
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
        std::optional<Values> at_call = returns_at(v, call, scope);
        for (const auto& r : at_call ? *at_call : function_returns(v.function)) {
          if (r.kind != Value::Kind::Unknown || r.function != v.function || r.param_index < 0) {
            add(out, r);
            continue;
          }
          // The function returns (something reached from) one of its parameters: use the
          // argument this call passes for it; the module it names, for `import_module(name)`.
          if (r.imports) {
            const int index = r.param_index - (v.bound ? 1 : 0);
            const auto dotted = plain_string(argument_node(call, scope, index, r.param_name), owner(scope).code());
            if (!dotted || dotted->empty() || dotted->front() == '.') { add(out, opaque()); continue; }
            add_all(out, attribute_path(module_value(owner(scope), *dotted), r.path));
            continue;
          }
          Values arg = argument_for(call, scope, r.param_index - (v.bound ? 1 : 0), r.param_name);
          if (arg.empty()) { add(out, unknown(r.path)); continue; }
          add_all(out, attribute_path(arg, r.path));
        }
        break;
      }
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
  for (TSNode a : CodeChildren(args)) {
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
  for (TSNode a : CodeChildren(args)) {
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
