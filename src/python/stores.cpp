// Values stored on an object from outside it: `Holder.client = OpenAI()` in a startup module,
// `config.client = ...` on an imported module, `deps.client = ...` on an instance handed to a
// setup function, read wherever the program reads that attribute.
#include "python/call_sites.h"
#include "python/evaluator.h"
#include "python/syntax.h"

namespace qg::python {

namespace {
// Whether `obj`, a value a store's object evaluates to, is `target` as read (an instance also
// sees what is stored on its class).
bool stores_on(const Value& obj, const Value& target) {
  switch (target.kind) {
    case Value::Kind::Module: return obj.kind == Value::Kind::Module && obj.path == target.path;
    case Value::Kind::Class: return obj.kind == Value::Kind::Class && obj.cls == target.cls;
    case Value::Kind::Instance:
      return (obj.kind == Value::Kind::Class || obj.kind == Value::Kind::Instance) && obj.cls == target.cls;
    default: return false;
  }
}
}  // namespace

Values Evaluator::stored_elsewhere(const Value& target, std::string_view name) {
  const CallSites* sites = project_.call_sites();
  if (!sites) return {};
  const auto stores = sites->stores(name);
  if (stores.empty()) return {};
  const void* subject = target.kind == Value::Kind::Module ? static_cast<const void*>(project_.module(target.path))
                                                           : static_cast<const void*>(target.cls);
  if (!subject) return {};
  const StoreKey key{subject, target.kind == Value::Kind::Instance, std::string(name)};
  if (const auto* hit = memo_hit(stores_memo_, key)) return *hit;
  const MemoStamp st = stamp();
  if (!storing_.insert(key).second) return {};  // `Holder.client = Holder.client or OpenAI()`
  Values out;
  for (const ModuleInfo::AttributeStore* store : stores) {
    // The value first (memoised per binding): most stores hold no client, and their object
    // is then never evaluated.
    Values stored;
    for (const auto& v : binding_values(store->binding, store->scope)) add_all(stored, through_parameters(v));
    if (!yields_client(stored)) continue;
    bool here = false;
    for (const auto& obj : eval(store->object, store->scope)) here = here || stores_on(obj, target);
    if (here) add_all(out, stored);
  }
  storing_.erase(key);
  remember(stores_memo_, key, out, st);
  return out;
}


bool Evaluator::holds_container(const Values& values) {
  for (const auto& v : values)
    if (v.kind == Value::Kind::Container && v.path.empty() && v.elements) return true;
  return false;
}

// Whether `name` in `at`, a module's top scope, is `from <home's module> import name`: a dict
// defined in one module and filled in another (`clients["openai"] = AsyncOpenAI()` in a
// lifespan of api/__init__.py, `clients = {}` in api/globals.py).
bool Evaluator::imports_from(const Scope* at, std::string_view name, const Scope* home) {
  if (!at || at == home || at->kind != Scope::Kind::Module || !at->owner || !home || !home->owner ||
      home->kind != Scope::Kind::Module)
    return false;
  auto it = at->bindings.find(std::string(name));
  if (it == at->bindings.end()) return false;
  for (const Binding& b : it->second)
    if (b.kind == Binding::Kind::ImportFrom && b.name == name &&
        resolve_import(project_, *at->owner, b.module, b.level) == home->owner->name)
      return true;
  return false;
}

std::optional<Value> Evaluator::stored_elements(const void* home, bool is_class, bool instance, std::string_view name) {
  const CallSites* sites = project_.call_sites();
  if (!sites || !home) return std::nullopt;
  const auto stores = sites->element_stores(name);
  if (stores.empty()) return std::nullopt;
  const StoreKey key{home, instance, std::string(name)};
  if (const auto* hit = memo_hit(elements_memo_, key)) return *hit;
  const MemoStamp st = stamp();
  if (!filling_.insert(key).second) return std::nullopt;
  const auto& S = Syntax::get();
  auto elements = std::make_shared<Values>();
  for (const ModuleInfo::AttributeStore* store : stores) {
    bool here = false;
    if (!is_class) {
      if (sym(store->object) != S.identifier) continue;
      const Scope* at = defining_scope(store->scope, name);
      here = at == home || imports_from(at, name, static_cast<const Scope*>(home));
    } else if (sym(store->object) == S.attribute) {
      // `self._entries[k] = v`, `cls.REGISTRY[k] = v`, `Base.REGISTRY[k] = v`
      for (const auto& obj : eval(field(store->object, S.f_object), store->scope))
        here = here || ((obj.kind == Value::Kind::Instance || obj.kind == Value::Kind::Class) && obj.cls == home);
    }
    if (!here) continue;
    for (const auto& v : binding_values(store->binding, store->scope)) add_all(*elements, through_parameters(v));
  }
  filling_.erase(key);
  std::optional<Value> out;
  if (!elements->empty()) {
    Value c;
    c.kind = Value::Kind::Container;
    c.elements = std::move(elements);
    out = std::move(c);
  }
  remember(elements_memo_, key, out, st);
  return out;
}

std::vector<std::pair<std::string, std::string>> Evaluator::client_stores_on_imports(const ModuleInfo& m) {
  const auto& S = Syntax::get();
  std::vector<std::pair<std::string, std::string>> out;
  if (m.scopes.empty()) return out;
  const Scope* top = &m.scopes.front();
  // `Holder.client = OpenAI()`, and `clients["openai"] = OpenAI()` on an imported dict.
  std::vector<const ModuleInfo::AttributeStore*> stores;
  for (const auto& store : m.attribute_stores) stores.push_back(&store);
  for (const auto& store : m.element_stores) stores.push_back(&store);
  for (const ModuleInfo::AttributeStore* each : stores) {
    const ModuleInfo::AttributeStore& store = *each;
    TSNode root = unparenthesize(store.object);  // `Holder` of `Holder.client`, `app` of `app.state.client`
    while (!is_null(root) && sym(root) == S.attribute) root = unparenthesize(field(root, S.f_object));
    if (is_null(root) || sym(root) != S.identifier) continue;
    auto it = top->bindings.find(std::string(text(root, m.code())));
    if (it == top->bindings.end()) continue;
    if (!yields_client(binding_values(store.binding, store.scope))) continue;
    for (const Binding& b : it->second) {
      if (b.kind != Binding::Kind::ImportFrom) continue;
      std::string module = resolve_import(project_, m, b.module, b.level);
      if (module.empty()) continue;
      // `from app import config`: the module app.config itself, else a name defined in app.
      // `from app import config`: the module app.config itself (its importers read config.<name>),
      // else a class or instance defined in app (its importers read that name).
      if (project_.has_module_or_package(join_dotted(module, b.name))) out.emplace_back(join_dotted(module, b.name), store.name);
      else out.emplace_back(std::move(module), b.name);
    }
  }
  return out;
}

// The project module and name the root name of `expr` comes from at the top level of `m`
// (`Registry` of `Registry.register(...)`, `Runner` of `Runner(client)`): imported, or an instance
// of an imported class (`_registry = Registry("x")`).
std::vector<std::pair<std::string, std::string>> Evaluator::imported_origin(const ModuleInfo& m, TSNode root,
                                                                          const Scope* scope) {
  const auto& S = Syntax::get();
  const Scope* top = &m.scopes.front();
  const std::string_view code = m.code();
  std::vector<std::pair<std::string, std::string>> found;
  while (!is_null(root) && (sym(root) == S.attribute || sym(root) == S.call || sym(root) == S.subscript))
    root = unparenthesize(sym(root) == S.attribute ? field(root, S.f_object)
                          : sym(root) == S.call    ? field(root, S.f_function)
                                                   : field(root, S.f_value));
  if (is_null(root) || sym(root) != S.identifier) return found;
  // The name as the call's scope sees it (`qa = QA(df)` in a test function), else the module's.
  auto lookup = [&](const std::string& name) -> const std::vector<Binding>* {
    for (const Scope* s = scope ? scope : top; s; s = s->parent)
      if (auto b = s->bindings.find(name); b != s->bindings.end()) return &b->second;
    return nullptr;
  };
  const std::vector<Binding>* bound = lookup(std::string(text(root, code)));
  if (!bound) return found;
  for (const Binding& b : *bound) {
    const Binding* imported = &b;
    if (b.kind == Binding::Kind::Expr && !is_null(b.node) && sym(b.node) == S.call) {
      TSNode head = unparenthesize(field(b.node, S.f_function));
      while (!is_null(head) && sym(head) == S.attribute) head = unparenthesize(field(head, S.f_object));
      if (is_null(head) || sym(head) != S.identifier) continue;
      const std::vector<Binding>* h = lookup(std::string(text(head, code)));
      if (!h || h->empty()) continue;
      imported = &h->front();
    }
    if (imported->kind != Binding::Kind::ImportFrom || imported->name.empty()) continue;
    std::string module = resolve_import(project_, m, imported->module, imported->level);
    if (module.empty()) continue;
    if (project_.has_module_or_package(join_dotted(module, imported->name))) found.emplace_back(join_dotted(module, imported->name), imported->name);
    else found.emplace_back(std::move(module), imported->name);
  }
  return found;
}

namespace {

// A function that calls an API method on a parameter, or an object or class with such a method
// (`GroqChat()` of `runner.run(GroqChat())`): what the receiver passes it decides the call.
bool takes_client(const Values& values) {
  auto calls_api = [](const Scope* fn) { return fn && fn->api_on_parameter; };
  for (const Value& v : values) {
    if (v.kind == Value::Kind::Function && calls_api(v.function)) return true;
    if ((v.kind != Value::Kind::Instance && v.kind != Value::Kind::Class) || !v.cls || !v.cls->body) continue;
    for (const auto& [name, bindings] : v.cls->body->bindings)
      for (const Binding& b : bindings)
        if (b.kind == Binding::Kind::Function && calls_api(b.function)) return true;
  }
  return false;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> Evaluator::clients_handed_to_imports(const ModuleInfo& m) {
  const auto& S = Syntax::get();
  std::vector<std::pair<std::string, std::string>> out;
  if (m.scopes.empty()) return out;
  for (const auto& [call, scope] : m.calls) {
    TSNode args = field(call, S.f_arguments);
    if (is_null(args) || sym(args) != S.argument_list || code_child_count(args) == 0) continue;
    auto found = imported_origin(m, unparenthesize(field(call, S.f_function)), scope);
    if (found.empty()) continue;
    for (TSNode a : CodeChildren(args)) {
      TSNode value = sym(a) == S.keyword_argument ? field(a, S.f_value) : a;
      if (is_null(value)) continue;
      if (const Values handed = eval(value, scope); yields_client(handed) || takes_client(handed)) {
        out.insert(out.end(), std::make_move_iterator(found.begin()), std::make_move_iterator(found.end()));
        break;
      }
    }
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> Evaluator::registrations_on_imports(const ModuleInfo& m, bool forwarding) {
  const auto& S = Syntax::get();
  std::vector<std::pair<std::string, std::string>> out;
  if (m.scopes.empty()) return out;
  const std::string_view code = m.code();
  auto origin = [&](TSNode root) { return imported_origin(m, root); };
  auto registers = [&](TSNode value, const Scope* scope) {
    value = unparenthesize(value);
    if (is_null(value) || (sym(value) != S.identifier && sym(value) != S.attribute)) return false;
    if (yields_client(eval(value, scope))) return true;
    if (!forwarding || sym(value) != S.identifier) return false;
    // A parameter of an enclosing function, whatever it is annotated with.
    const std::string name(text(value, code));
    for (const Scope* s = scope; s && s->kind != Scope::Kind::Module; s = s->parent) {
      auto it = s->bindings.find(name);
      if (it == s->bindings.end()) continue;
      for (const Binding& b : it->second)
        if (b.kind == Binding::Kind::Param && !b.self_param && !b.variadic) return true;
      return false;
    }
    return false;
  };
  for (const auto& [call, scope] : m.calls) {
    TSNode callee = unparenthesize(field(call, S.f_function));
    if (is_null(callee) || sym(callee) != S.attribute) continue;  // `registry.register(...)`
    TSNode args = field(call, S.f_arguments);
    if (is_null(args) || sym(args) != S.argument_list) continue;
    std::vector<std::pair<std::string, std::string>> found;
    bool looked = false;
    for (TSNode a : CodeChildren(args)) {
      TSNode value = sym(a) == S.keyword_argument ? field(a, S.f_value) : a;
      if (is_null(value) || (sym(value) != S.identifier && sym(value) != S.attribute)) continue;
      if (!looked) {
        found = origin(callee);
        looked = true;
        if (found.empty()) break;
      }
      if (registers(value, scope)) {
        out.insert(out.end(), found.begin(), found.end());
        break;
      }
    }
  }
  for (const auto& store : m.element_stores) {  // `REGISTRY[name] = Cls` on an imported dict
    if (store.binding.kind != Binding::Kind::Expr || !registers(store.binding.node, store.binding.scope)) continue;
    auto found = origin(store.object);
    out.insert(out.end(), found.begin(), found.end());
  }
  for (const auto& d : m.decorated_classes) {  // `@registry.register("x") class Cls`
    Value c;
    c.kind = Value::Kind::Class;
    c.cls = d.cls;
    if (!yields_client({c})) continue;
    auto found = origin(d.decorator);
    out.insert(out.end(), found.begin(), found.end());
  }
  return out;
}

}  // namespace qg::python
