// Names a package exports lazily (PEP 562): a module-level `def __getattr__(name)` that imports
// the name on first use, so `from pkg import Agent` works although pkg never binds `Agent`.
// Two shapes are read: a module-level dict naming each name's submodule, handed to
// `importlib.import_module` (`_AGENTS = {"Agent": ".open_ai.agent"}`, Semantic Kernel), and an
// import inside `__getattr__` itself (`if name == "Agent": from .agent import Agent`). (On an
// instance, a class's `__getattr__` handing the name on is Evaluator::dynamic_attribute's.)
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

}  // namespace qg::python
