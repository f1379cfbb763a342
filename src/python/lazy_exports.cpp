// Names a package exports lazily (PEP 562): a module-level `def __getattr__(name)` that imports
// the name on first use, so `from pkg import Agent` works although pkg never binds `Agent`.
// Two shapes are read: a module-level dict naming each name's submodule, handed to
// `importlib.import_module` (`_AGENTS = {"Agent": ".open_ai.agent"}`, Semantic Kernel), and an
// import inside `__getattr__` itself (`if name == "Agent": from .agent import Agent`). And the
// same on an instance: a lazy module proxy whose `__getattr__` forwards to a module it imports.
#include "python/evaluator.h"
#include "python/syntax.h"

namespace qg::python {

namespace {
// The submodule a module-level dict literal maps `name` to ("" when none does).
std::string_view submodule_for(const ModuleInfo& module, std::string_view name) {
  const auto& S = Syntax::get();
  const std::string_view code = module.code();
  for (const auto& [var, bindings] : module.scopes.front().bindings)
    for (const Binding& b : bindings) {
      if (b.kind != Binding::Kind::Expr || is_null(b.node) || sym(unparenthesize(b.node)) != S.dictionary) continue;
      for (TSNode pair : CodeChildren(unparenthesize(b.node))) {
        if (sym(pair) != S.pair) continue;
        const auto key = plain_string(field(pair, S.f_key), code);
        if (!key || *key != name) continue;
        if (const auto target = plain_string(field(pair, S.f_value), code)) return *target;
      }
    }
  return {};
}
}  // namespace

Values Evaluator::lazy_export(const ModuleInfo& module, std::string_view name) {
  if (module.scopes.empty()) return {};
  const Scope* top = &module.scopes.front();
  auto hook = top->bindings.find("__getattr__");
  if (hook == top->bindings.end()) return {};
  const Scope* getattr = nullptr;
  for (const Binding& b : hook->second)
    if (b.kind == Binding::Kind::Function) getattr = b.function;
  if (!getattr) return {};
  if (!lazy_lookups_.emplace(&module, std::string(name)).second) return {};
  Values out;
  // `from .agent import Agent` inside __getattr__: that binding.
  if (auto local = getattr->bindings.find(std::string(name)); local != getattr->bindings.end())
    for (const Binding& b : local->second) add_all(out, binding_values(b, getattr));
  // `importlib.import_module(_AGENTS[name], package=__name__)`: the submodule the dict names.
  if (out.empty()) {
    std::string_view target = submodule_for(module, name);
    if (!target.empty()) {
      int level = 0;
      while (level < static_cast<int>(target.size()) && target[static_cast<std::size_t>(level)] == '.') ++level;
      const std::string resolved = resolve_import(project_, module, target.substr(static_cast<std::size_t>(level)), level);
      if (const ModuleInfo* sub = resolved.empty() ? nullptr : project_.module(resolved)) out = module_export(*sub, name);
    }
  }
  lazy_lookups_.erase({&module, std::string(name)});
  return out;
}

Values Evaluator::forwarded_attribute(const Value& instance, std::string_view name) {
  const auto& S = Syntax::get();
  if (!instance.cls || name.starts_with("__")) return {};
  // The class's own `def __getattr__(self, name)` (not a base's: read cheaply, on every miss).
  const Scope* getattr = nullptr;
  if (!instance.cls->body) return {};
  if (auto hook = instance.cls->body->bindings.find("__getattr__"); hook != instance.cls->body->bindings.end())
    for (const Binding& b : hook->second)
      if (b.kind == Binding::Kind::Function) getattr = b.function;
  if (!getattr || !getattr->owner) return {};
  const ModuleInfo& module = *getattr->owner;
  const std::string key = "__getattr__." + std::string(name);
  if (!lazy_lookups_.emplace(&module, key).second) return {};
  const std::string_view code = module.code();
  Values out;
  // `return getattr(<target>, <its name parameter>)`, the target read on this instance.
  for (TSNode r : getattr->returns) {
    r = unparenthesize(r);
    if (is_null(r) || sym(r) != S.call || text(field(r, S.f_function), code) != "getattr") continue;
    const TSNode args = field(r, S.f_arguments);
    if (code_child_count(args) != 2) continue;
    const TSNode target = unparenthesize(first_code_child(args));
    const TSNode key_arg = unparenthesize(ts_node_next_named_sibling(first_code_child(args)));
    if (is_null(key_arg) || sym(key_arg) != S.identifier) continue;
    const auto param = getattr->bindings.find(std::string(text(key_arg, code)));
    if (param == getattr->bindings.end() || param->second.empty() || param->second.front().kind != Binding::Kind::Param) continue;
    Values modules;
    const TSNode object = sym(target) == S.attribute ? unparenthesize(field(target, S.f_object)) : TSNode{};
    if (!is_null(object) && sym(object) == S.identifier && text(object, code) == getattr->self_name)
      modules = attribute({instance}, text(field(target, S.f_attribute), code));
    else
      modules = eval(target, getattr);
    for (const Value& m : modules)
      if (m.kind == Value::Kind::External || m.kind == Value::Kind::Module) add_all(out, attribute({m}, name));
  }
  lazy_lookups_.erase({&module, key});
  return out;
}

}  // namespace qg::python
