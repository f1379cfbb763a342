#include "python/evaluator.h"

#include <algorithm>

#include "python/evaluator_detail.h"
#include "python/library_clients.h"
#include "python/syntax.h"

namespace qg::python {

using namespace evaluator_detail;

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

namespace {

// Whether `cls`'s own `__init__` runs its base's `__init__` and then surely sets `self.<name>`
// (not under an `if`, a `try`, a loop): on an instance of `cls` (or of a subclass running that
// `__init__`) what the bases' `__init__` stored under that name is gone.
bool overwrites_inherited(const ClassInfo& cls, const std::vector<Binding>& assigned) {
  const Scope* init = nullptr;
  if (auto it = cls.body->bindings.find("__init__"); it != cls.body->bindings.end())
    for (const auto& b : it->second)
      if (b.kind == Binding::Kind::Function && b.function) init = b.function;
  if (!init || is_null(init->node)) return false;
  const uint32_t after = init->last_init_call_end;
  if (after == 0) return false;
  return std::any_of(assigned.begin(), assigned.end(), [&](const Binding& b) {
    return b.scope == init && !b.conditional && b.position > after &&
           (b.kind == Binding::Kind::Expr || b.kind == Binding::Kind::Element || b.kind == Binding::Kind::Context);
  });
}

}  // namespace

// ---- expressions -------------------------------------------------------------------------

Values Evaluator::eval(TSNode n, const Scope* scope) {
  if (is_null(n) || !scope) return {opaque()};
  Guard guard(depth_, cuts_, in_progress_, nullptr);
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
    Values out = attribute(eval(object, scope), text(attr, code));
    // `request.app.state.client`: Starlette's application state (python/app_state.cpp).
    if (sym(object) == k && text(field(object, S.f_attribute), code) == "state" && names_fastapi(owner(scope)))
      add_all(out, app_state(text(attr, code)));
    return out;
  }
  if (k == S.call) {
    // `getattr(x, "name")` is `x.name` (and the default, if given); with a name not known here
    // the result is nothing this analysis follows (reported as such where it is taken), but on
    // a client itself one of its copy methods (`getattr(client, method)(...)` over "copy" and
    // "with_options"): the one kind of its own methods whose call gives a client.
    if (auto g = getattr_parts(n, scope)) {
      if (!g->literal) {
        Values out;
        for (auto v : eval(g->object, scope))
          if (v.kind == Value::Kind::Client && v.path.empty()) {
            v.path = catalogue_.copy_method();
            add(out, std::move(v));
          }
        if (out.empty()) out.push_back(opaque());
        return out;
      }
      Values out = attribute(eval(g->object, scope), g->literal_name);
      if (!is_null(g->fallback)) add_all(out, eval(g->fallback, scope));
      return out;
    }
    if (auto resource = resource_super(n, scope)) return std::move(*resource);
    Values callee = eval(field(n, S.f_function), scope);
    if (auto module = dynamic_import(callee, n, scope)) return std::move(*module);
    return call_result(callee, n, scope);
  }
  if (k == S.parenthesized_expression || k == S.await) {
    const TSNode inner = first_code_child(n);
    if (is_null(inner)) return {opaque()};
    return eval(inner, scope);
  }
  if (k == S.boolean_operator) {
    Values out = eval(field(n, S.f_left), scope);
    add_all(out, eval(field(n, S.f_right), scope));
    return out;
  }
  if (k == S.conditional_expression) {
    // a if cond else b: named children are [a, cond, b].
    Values out;
    if (code_child_count(n) >= 3) {
      out = eval(code_child(n, 0), scope);
      add_all(out, eval(code_child(n, 2), scope));
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
    const bool ordered = k == S.list || k == S.tuple || k == S.expression_list;
    auto positions = ordered ? std::make_shared<std::vector<Values>>() : nullptr;
    for (TSNode c : CodeChildren(n)) {
      TSNode item = sym(c) == S.pair ? field(c, S.f_value) : c;
      if (sym(item) == S.list_splat || sym(item) == S.dictionary_splat) {
        if (ts_node_named_child_count(item) > 0) add_all(*elements, elements_of(eval(ts_node_named_child(item, 0), scope), -1));
        positions = nullptr;  // (positions after a splat are not known)
        continue;
      }
      Values item_values = eval(item, scope);
      add_all(*elements, item_values);
      if (positions) positions->push_back(std::move(item_values));
    }
    Value v = make(Value::Kind::Container);
    v.elements = std::move(elements);
    v.positions = std::move(positions);
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
    // `Agent[Ctx](...)`: a library class parametrised is the class (the Agents SDK's, and a
    // client-building library's: pydantic-ai's `Agent[None, Out]("openai:...")`).
    Values generic, rest;
    const Values value = eval(field(n, S.f_value), scope);
    if (std::any_of(value.begin(), value.end(), [](const Value& v) { return is_type_union(v); })) return {type_union(n, scope)};
    for (const auto& v : value) {
      const bool library_class = v.kind == Value::Kind::External &&
                                 (libraries_.is_class(v.path) || LibraryClientTable::get().entry(v.path));
      if (is_whole_keywords(v))
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
  if (k == S.binary_operator) {  // `OpenAI | AzureOpenAI`, as a type alias's value
    const TSNode left = field(n, S.f_left), right = field(n, S.f_right);
    const std::string_view code = owner(scope).code();
    if (!is_null(left) && !is_null(right) && code.substr(end_byte(left), start_byte(right) - end_byte(left)).find('|') != std::string_view::npos)
      return {type_union(n, scope)};
  }
  return {opaque()};
}

// `AIClient = Union[OpenAI, AzureOpenAI]` (or `Optional[...]`, `Annotated[...]`, `A | B`): no
// value itself; an annotation naming the alias reads its types from `n` (annotation_value).
Value Evaluator::type_union(TSNode n, const Scope* scope) {
  Value t = opaque();
  t.path = kTypeUnion;
  t.node = n;
  t.scope = scope;
  return t;
}

bool Evaluator::is_type_union(const Value& v) {
  if (v.kind != Value::Kind::External) return false;
  for (std::string_view module : {"typing.", "typing_extensions."})
    if (v.path.starts_with(module))
      for (std::string_view name : {"Union", "Optional", "Annotated"})
        if (std::string_view(v.path).substr(module.size()) == name) return true;
  return false;
}

Values Evaluator::elements_of(const Values& values, int index) {
  Values out;
  for (const auto& v : values) {
    // At a known position of a literal, what it holds there; else every element is a candidate.
    if (v.kind == Value::Kind::Container && v.path.empty() && v.positions && index >= 0 &&
        static_cast<std::size_t>(index) < v.positions->size())
      add_all(out, (*v.positions)[index]);
    else if (v.kind == Value::Kind::Container && v.elements && v.path.empty()) add_all(out, *v.elements);
    else if (v.kind == Value::Kind::Unknown) add(out, unknown());
    else add(out, opaque());
  }
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
      case Value::Kind::Class: {
        Values member = class_attribute(*v.cls, name, false);
        // `cls._from_dict(...)` in a classmethod of a base (a mixin): a subclass's classmethod
        // override may run.
        if (v.subclasses)
          for (auto& o : overrides(*v.cls, name, member))
            if (o.function->is_classmethod) add(member, std::move(o));
        add_all(out, member);
        break;
      }
      case Value::Kind::Instance: {
        Values member = class_attribute(*v.cls, name, true, v.subclasses);
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

Values Evaluator::class_attribute(const ClassInfo& cls, std::string_view name, bool instance, bool subclasses) {
  Values out;
  bool external_base = false;
  bool vendor_base = false;  // `class MyA(Anthropic)`: another vendor's OpenAI-shaped client
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
        vendor_base = vendor_base || (bv.kind == Value::Kind::External && catalogue_.is_other_vendor(bv.path));
      }
      external_base |= !project_base;
    }
  }
  const std::string key(name);
  std::vector<const ClassInfo*> replacing;  // classes whose `__init__` replaces the bases' value
  for (const ClassInfo* c : mro) {
    if (auto it = c->body->bindings.find(key); it != c->body->bindings.end()) {
      for (const auto& b : it->second) {
        if (b.kind == Binding::Kind::Function && instance && b.function->is_property) {
          add_all(out, function_returns(b.function));
          continue;
        }
        Values values = binding_values(b, c->body);
        // A default that is a client (`field(default_factory=quotaguard.openai_client)`) is what no
        // construction passes; a `None` one says nothing (the attribute may be set elsewhere).
        const bool client_default = std::any_of(values.begin(), values.end(), [](const Value& v) { return v.kind == Value::Kind::Client; });
        // `client: Optional[OpenAI] = None`, `= field(...)`, `= pydantic.Field(...)`: on an
        // instance, the default or what the constructions pass, as a field without a default.
        const bool declared = b.kind == Binding::Kind::Annotation || (b.kind == Binding::Kind::Expr && !is_null(b.annotation));
        if (instance && b.kind == Binding::Kind::Expr && declared) add_all(values, annotation_value(b.annotation, b.scope));
        for (auto v : values) {
          if (v.kind == Value::Kind::Function && v.function && v.function->method_of)
            v.bound = (instance && !v.function->is_staticmethod) || v.function->is_classmethod;
          if (instance && declared && v.kind == Value::Kind::Unknown) {
            v.field_of = c;  // `client: OpenAI` declared, set by whoever constructs the record
            v.param_name = key;
            if (client_default) v.param_index = kDefaultedField;
            if (c != &cls) v.context = &cls;  // read on a subclass: its constructions only
          }
          add(out, std::move(v));
        }
      }
    }
    if (auto it = c->instance_attrs.find(key); it != c->instance_attrs.end()) {
      // A base's `__init__` assignment a subclass's `__init__` (in the chain from `cls`) replaces.
      const bool replaced = instance && c != &cls && std::any_of(replacing.begin(), replacing.end(), [&](const ClassInfo* r) {
        const auto& family = class_family(c);
        return std::find(family.begin(), family.end(), r) != family.end();
      });
      for (const auto& b : it->second) {
        if (replaced && b.scope && b.scope->method_of == c && b.scope->name == "__init__") continue;
        Values assigned = binding_values(b, b.scope);
        // `self.client = client` in a base's method, read on a subclass: what the calls of that
        // method on the subclass's family pass.
        if (instance && c != &cls)
          for (auto& v : assigned)
            if (v.kind == Value::Kind::Unknown && v.function && v.function->method_of == c && v.param_index >= 0 && !v.context)
              v.context = &cls;
        add_all(out, assigned);
      }
      if (instance && overwrites_inherited(*c, it->second)) replacing.push_back(c);
    }
    // A dict attribute filled elsewhere (`self._entries[name] = entry`, `cls.REGISTRY[k] = v`).
    if (holds_container(out))
      if (auto stored = stored_elements(c, true, true, key)) add(out, std::move(*stored));
    Value as_read = make(instance ? Value::Kind::Instance : Value::Kind::Class);
    as_read.cls = c;
    add_all(out, stored_elsewhere(as_read, name));  // `Holder.client = OpenAI()` elsewhere
  }
  // Read on `self` in a method of `cls` (an instance that may be of a project subclass): what the
  // subclasses' own methods store under the name, as `self.m()` reaches their overrides. A base
  // whose methods call through `self.client` that only its subclasses set (their `__init__`s
  // building each its client), or set to a placeholder (`None`) they replace.
  // Only where the class chain holds nothing that may be a client (never assigned, or `None` and
  // other literals): a read that is already a client's, or a parameter's, keeps its own.
  if (instance && subclasses &&
      std::all_of(out.begin(), out.end(), [](const Value& v) { return v.kind == Value::Kind::Opaque; })) {
    const auto& family = class_family(&cls);
    for (std::size_t i = 1; i < family.size(); ++i)  // family[0] is cls itself
      if (auto it = family[i]->instance_attrs.find(key); it != family[i]->instance_attrs.end())
        for (const auto& b : it->second) add_all(out, binding_values(b, b.scope));
  }
  // Not defined, read on an instance of a class with a `__getattr__`: what it returns for it.
  if (out.empty() && instance)
    for (const ClassInfo* c : mro)
      if (auto it = c->body->bindings.find("__getattr__"); it != c->body->bindings.end()) {
        for (const auto& b : it->second)
          if (b.kind == Binding::Kind::Function && b.function) add_all(out, dynamic_attribute(b.function, name));
        break;
      }
  // `self` in a method of a project subclass of a client class (PostHog's, Langfuse's wrapping
  // `OpenAI`): what the class does not set is the SDK client's own attribute, on the clients the
  // project's constructions of the class build; a resource it replaces with a wrapper of its own
  // (`self.chat = WrappedChat(self, getattr(self, "chat"))`) is read as the SDK's too, the
  // wrapper being built from it.
  if (instance && (out.empty() || catalogue_.is_resource_segment(name)) && client_subclass(cls)) {
    Values built = built_instances(cls);
    if (!built.empty()) {
      add_all(out, attribute(built, name));
      return out;
    }
    if (!out.empty()) add(out, unknown(std::string(name)));
  }
  // Never assigned where we can see it (set by a base class we cannot read, setattr, ...): an
  // unknown value that keeps the attribute's name, so `x.chat.completions.create` stays that API,
  // and what a library base class defines under that name.
  if (out.empty() && instance && vendor_base) {  // that SDK's own resource: no OpenAI client
    out.push_back(opaque());
    return out;
  }
  if (out.empty()) {
    out.push_back(unknown(std::string(name)));
    add_all(out, attribute(library_bases, name));
  }
  (void)external_base;
  return out;
}

Values Evaluator::dynamic_attribute(const Scope* getattr_fn, std::string_view name) {
  // `def __getattr__(self, name)`: a return handing the name on with an object
  // (`getattr(self.client, name)`, `safe_getattr(self.client, name)`) is that object's
  // attribute; any other return is no client (a setting, a table's entry).
  const auto& S = Syntax::get();
  std::string_view name_param;
  for (const auto& [param, bindings] : getattr_fn->bindings)
    for (const auto& b : bindings)
      if (b.kind == Binding::Kind::Param && b.index == 1) name_param = param;
  // One `__getattr__` handing on to another's at most: a chain of wrappers is not followed
  // further (nor a `__getattr__` into itself).
  if (name_param.empty() || delegating_.size() >= 2 || !delegating_.insert(getattr_fn).second) return {};
  const std::string_view code = getattr_fn->owner->code();
  Values out;
  for (TSNode r : getattr_fn->returns) {
    r = unparenthesize(r);
    TSNode args = sym(r) == S.call ? field(r, S.f_arguments) : TSNode{};
    if (is_null(args) || sym(args) != S.argument_list || code_child_count(args) < 2 ||
        sym(code_child(args, 1)) != S.identifier || text(code_child(args, 1), code) != name_param) {
      add(out, opaque());
      continue;
    }
    // (Read for any instance of the class and its subclasses: a receiver frame per read is far
    // too costly on a large tree.)
    add_all(out, attribute(eval(code_child(args, 0), getattr_fn), name));
  }
  delegating_.erase(getattr_fn);
  return out;
}

namespace {
// Builtin types an annotation names without binding them (`"str"`, `"dict"`).
bool builtin_type(std::string_view name) {
  static constexpr std::string_view kBuiltins[] = {"str",   "int",       "float",  "bool", "bytes",     "dict",
                                                   "list",  "tuple",     "set",    "frozenset", "object", "None",
                                                   "complex", "bytearray", "memoryview", "type"};
  return std::find(std::begin(kBuiltins), std::end(kBuiltins), name) != std::end(kBuiltins);
}
}  // namespace

Values Evaluator::string_names(std::string_view body, const Scope* scope, bool* unresolved) {
  // Every dotted name in a string annotation ("Provider[Client]", "openai.AsyncOpenAI"), looked up.
  Values out;
  std::size_t i = 0;
  while (i < body.size()) {
    while (i < body.size() && !(std::isalnum(static_cast<unsigned char>(body[i])) || body[i] == '_')) ++i;
    std::size_t j = i;
    while (j < body.size() && (std::isalnum(static_cast<unsigned char>(body[j])) || body[j] == '_' || body[j] == '.')) ++j;
    if (j > i) {
      auto word = body.substr(i, j - i);
      auto head = word.substr(0, word.find('.'));
      Values base = lookup(scope, head);
      if (unresolved && base.empty() && !builtin_type(head)) *unresolved = true;
      if (head.size() < word.size()) base = attribute_path(std::move(base), word.substr(head.size() + 1));
      out.insert(out.end(), base.begin(), base.end());  // (uncapped: each name is read)
    }
    i = j + 1;
  }
  return out;
}

Values Evaluator::vouched_by(TSNode type, const Scope* scope, TSNode value, Values values) {
  const auto& S = Syntax::get();
  value = unparenthesize(value);
  // `None` (set later), literals, and anything the evaluator can follow speak for themselves.
  if (is_null(type) || is_null(value) || (sym(value) != S.call && sym(value) != S.attribute && sym(value) != S.identifier &&
                                          sym(value) != S.await && sym(value) != S.subscript))
    return values;
  const bool silent = std::all_of(values.begin(), values.end(), [](const Value& v) {
    return v.kind == Value::Kind::Opaque || v.kind == Value::Kind::External;
  });
  if (!silent) {
    // `api: DockerClient = docker_client.api_client`: another package's class that is no client
    // rules out what could not be resolved (no QG007 on `api.containers.list`); a client the
    // scan followed here stays one (a shared package's protocol may type it).
    const bool unresolved = std::any_of(values.begin(), values.end(), [](const Value& v) { return v.kind == Value::Kind::Unknown; });
    if (!unresolved || !names_other_library(type, scope)) return values;
    const Values declared = annotation_value(type, scope);
    if (declared.size() != 1 || declared.front().kind != Value::Kind::Opaque) return values;
    std::erase_if(values, [](const Value& v) { return v.kind == Value::Kind::Unknown; });
    return values.empty() ? Values{opaque()} : values;
  }
  const Values declared = annotation_value(type, scope);
  if (!std::any_of(declared.begin(), declared.end(), [](const Value& d) { return d.kind == Value::Kind::Unknown && d.annotated; }))
    return values;
  return declared;
}

Values Evaluator::annotation_value(TSNode annotation, const Scope* scope) {
  // An annotation naming an OpenAI client class makes the value an (unresolved) client; `Any`
  // or nothing we can read keeps it unknown; any other type says it is not a client.
  const auto& S = Syntax::get();
  const std::string_view code = owner(scope).code();
  bool client = false, any = false;
  // A name bound nowhere in scope (`client: "OpenAI"` never imported, a type checker's business
  // only): it says nothing, so what callers pass decides.
  bool unresolved = false;
  Values instances;  // `deps: Deps`: an instance of that project class
  // What one name in the annotation says: a client class, Any, or a project class.
  auto consider = [&](const Values& named) {
    for (const auto& v : named) {
      if (v.kind == Value::Kind::Opaque && v.path == kTypeUnion && !is_null(v.node)) {  // a type alias
        Guard guard(depth_, cuts_, in_progress_, v.node.id);
        if (!guard.ok()) continue;
        for (const Value& b : annotation_value(v.node, v.scope)) {
          if (b.kind == Value::Kind::Unknown) (b.annotated ? client : any) = true;
          else if (b.kind != Value::Kind::Opaque) add(instances, b);
        }
        continue;
      }
      if (v.kind == Value::Kind::Opaque && v.path == "typing.TypeVar") {
        // `client: ClientT`: what its bound or constraints say (`bound=OpenAI` a client, another
        // vendor's class not one); a TypeVar with neither narrows nothing (what callers pass).
        std::vector<TSNode> types;
        if (TSNode bound = argument_node(v.node, v.scope, -1, "bound"); !is_null(bound)) types.push_back(bound);
        for (int i = 1; types.empty() || i > 1; ++i) {  // TypeVar("C", OpenAI, AsyncOpenAI)
          TSNode t = argument_node(v.node, v.scope, i, "");
          if (is_null(t)) break;
          types.push_back(t);
        }
        if (types.empty()) any = true;
        for (TSNode t : types) {
          Guard guard(depth_, cuts_, in_progress_, t.id);
          if (!guard.ok()) continue;
          for (const Value& b : annotation_value(t, v.scope)) {
            if (b.kind == Value::Kind::Unknown) (b.annotated ? client : any) = true;
            else if (b.kind != Value::Kind::Opaque) add(instances, b);
          }
        }
        continue;
      }
      if (v.kind == Value::Kind::External && catalogue_.client_class(v.path)) client = true;
      if (v.kind == Value::Kind::External && (v.path == "typing.Any" || v.path.ends_with(".Any"))) any = true;
      const bool holder = v.kind == Value::Kind::External && client_holder(v.path);
      // `model: Model` (the Agents SDK's abstract base, any of the library's classes that keeps no
      // client): it says nothing of which object is passed, so the parameter stays one, and what
      // the callers pass is followed (python/library_runs.cpp: a provider's model).
      if (v.kind == Value::Kind::External && !holder && libraries_.library_of(v.path)) any = true;
      // `index: VectorStoreIndex`: likewise an object a library entry is called on (its
      // `as_query_engine`), so what the callers pass decides whether it builds a client.
      if (v.kind == Value::Kind::External && LibraryClientTable::get().instance_of(v.path)) any = true;
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
  // `type`, `Type[Base]`, `type[Base]`: a class, any class (a registry's entry); unknown.
  {
    std::string_view word = text(annotation, code);
    word = word.substr(0, word.find('['));
    if (word == "type" || word == "Type" || word == "typing.Type") return {unknown()};
  }
  std::vector<TSNode> stack{annotation};
  while (!stack.empty() && !client) {
    TSNode n = stack.back();
    stack.pop_back();
    const TSSymbol k = sym(n);
    if (k == S.identifier || k == S.attribute) {
      const Values named = eval(n, scope);
      if (k == S.identifier && named.empty() && !builtin_type(text(n, code))) unresolved = true;
      consider(named);
      if (k == S.identifier && text(n, code) == "Any") any = true;
      if (k == S.attribute) continue;
    } else if (k == S.string) {
      // "OpenAI" / "openai.AsyncOpenAI" / "Agent" (a forward reference): look the names up.
      consider(string_names(text(n, code), scope, &unresolved));
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
  return {any || unresolved ? unknown() : opaque()};
}

}  // namespace qg::python
