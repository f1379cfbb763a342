// Where the project calls what, for values that cross function boundaries: every call node
// indexed by the name it calls (`f(...)`, `x.f(...)`), and pytest fixtures by where tests see
// them. Built once after the last parse round and shared, read-only, by every evaluator.
#pragma once

#include <map>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/catalogue.h"
#include "python/module.h"

namespace qg::python {

class CallSites {
 public:
  struct Site {
    TSNode call;
    const Scope* scope;
    // `functools.partial(f, a, ...)` (`executor.submit`, `asyncio.to_thread` likewise), listed
    // under `f`: its arguments after the first are f's.
    bool partial = false;
  };

  // `modules` in a stable order (the scan's): sites are listed in that order, so values
  // gathered from them are too. `jobs` workers read the modules.
  void build(const std::vector<ModuleInfo*>& modules, unsigned jobs);

  // Calls whose callee is `name` or ends in `.name`, and partials of such a callee; then those of
  // a name something called `name` is imported as (`from m import name as other`).
  std::span<const Site> named(std::string_view name) const;

  // Arguments that name `name` (`run(handler)`, `retry(self.ask, ...)`, `on=handler`): where a
  // function may be handed to another that calls it.
  struct Handed {
    TSNode node;  // the argument's value
    const Scope* scope;
  };
  std::span<const Handed> handed(std::string_view name) const;

  // `obj.name = value` statements outside obj's own methods (ModuleInfo::AttributeStore), in
  // module order.
  std::span<const ModuleInfo::AttributeStore* const> stores(std::string_view name) const;

  // `reg[key] = value` statements whose `reg` is named `name` (an identifier or an attribute's
  // last name), in module order.
  std::span<const ModuleInfo::AttributeStore* const> element_stores(std::string_view name) const;

  // Classes decorated by an expression whose callee's last name is `name` (`@register`,
  // `@registry.register("x")`): a decorator is a call of that expression's value with the class.
  std::span<const ModuleInfo::DecoratedClass* const> decorated(std::string_view name) const;

  // Classes with a base named `name` (`class Sub(Base)`, `class Sub(mod.Base)`, `Base[T]`): the
  // candidates for subclasses of a class of that name (the evaluator checks what the base is).
  std::span<const ClassInfo* const> derived(std::string_view name) const;

  // Classes named `name` defined at the top level of a module: what an external name may stand
  // for in a scan of a modelled library's own repository (Evaluator::project_class).
  std::span<const ClassInfo* const> classes(std::string_view name) const;
  // The same for functions defined at the top level of a module (Evaluator::project_function).
  std::span<const Scope* const> functions(std::string_view name) const;

  // The fixture a test or fixture in `module` receives for a parameter `name`: one defined in
  // the module itself, else in the nearest `conftest.py` of its folder or any folder above.
  // `overriding`: a fixture that takes the one it overrides (`def client(client)`) sees past itself.
  const Scope* fixture(const ModuleInfo& module, std::string_view name, const Scope* overriding = nullptr) const;

 private:
  void list_aliased_sites(const std::vector<ModuleInfo*>& modules);

  StringMap<std::vector<Site>> by_name_;
  StringMap<std::vector<Handed>> handed_;
  StringMap<std::vector<const ModuleInfo::AttributeStore*>> stores_;
  StringMap<std::vector<const ModuleInfo::AttributeStore*>> element_stores_;
  StringMap<std::vector<const ModuleInfo::DecoratedClass*>> decorated_;
  StringMap<std::vector<const ClassInfo*>> derived_;
  StringMap<std::vector<const ClassInfo*>> classes_;
  StringMap<std::vector<const Scope*>> functions_;
  std::unordered_map<const ModuleInfo*, StringMap<const Scope*>> module_fixtures_;
  std::map<std::string, StringMap<const Scope*>, std::less<>> conftest_fixtures_;  // folder -> fixtures
};

}  // namespace qg::python
