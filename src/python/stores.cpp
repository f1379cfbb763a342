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
  if (auto it = stores_memo_.find(key); it != stores_memo_.end()) return it->second;
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
  stores_memo_[key] = out;
  return out;
}

std::vector<std::pair<std::string, std::string>> Evaluator::client_stores_on_imports(const ModuleInfo& m) {
  const auto& S = Syntax::get();
  std::vector<std::pair<std::string, std::string>> out;
  if (m.scopes.empty()) return out;
  const Scope* top = &m.scopes.front();
  for (const auto& store : m.attribute_stores) {
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

}  // namespace qg::python
