// AG2's `with llm_config:` past the block's own body (library_arguments.h: context_builds_openai).
// The block sets a context variable that an agent's __init__ reads wherever it runs, so an agent
// built in a project function called from the block takes the block's configuration too: the
// function's callers are followed (same module and imported project modules, through
// python/call_sites.h) to the nearest block around one of their calls, a bounded number of calls
// up.
#include <algorithm>

#include "python/call_sites.h"
#include "python/library_arguments.h"
#include "python/syntax.h"

namespace qg::python {

namespace {

constexpr int kMaxCallerDepth = 3;  // the agent's function, its caller's, and one more

// The function whose body `scope` is (through comprehensions), else null: a lambda, a class
// body or a module level has no callers to follow.
const Scope* enclosing_function(const Scope* s) {
  while (s && s->kind == Scope::Kind::Comprehension) s = s->parent;
  return s && s->kind == Scope::Kind::Function ? s : nullptr;
}

// Whether a call of `callees` runs `fn`: the function or method itself, or the class whose
// `__init__` it is.
bool runs(const Values& callees, const Scope* fn) {
  return std::any_of(callees.begin(), callees.end(), [&](const Value& v) {
    if (v.kind == Value::Kind::Function) return v.function == fn;
    return v.kind == Value::Kind::Class && v.cls && fn->name == "__init__" && v.cls == fn->method_of;
  });
}

// Whether some call of `fn` is made in a block whose configuration builds an OpenAI client, or
// in a function some call of which is (`depth` calls up so far). The nearest block around a call
// decides for that call.
bool callers_build_openai(const Scope* fn, Evaluator& ev, const ClientBuildingLibrary& lib, int depth,
                          std::vector<const Scope*>& seen) {
  const CallSites* sites = ev.project().call_sites();
  if (!sites || depth > kMaxCallerDepth || std::find(seen.begin(), seen.end(), fn) != seen.end()) return false;
  seen.push_back(fn);
  const Syntax& S = Syntax::get();
  const std::string_view name = fn->name == "__init__" && fn->method_of ? std::string_view(fn->method_of->name)
                                                                        : std::string_view(fn->name);
  for (const CallSites::Site& site : sites->named(name)) {
    if (site.partial || !site.scope || !site.scope->owner) continue;
    if (!runs(ev.eval(field(site.call, S.f_function), site.scope), fn)) continue;
    if (const TSNode block = context_config(site.call, site.scope, ev, lib); !is_null(block)) {
      if (config_builds_openai(block, site.scope, site.scope->owner->code(), lib, ev)) return true;
      continue;
    }
    if (const Scope* outer = enclosing_function(site.scope); outer && callers_build_openai(outer, ev, lib, depth + 1, seen))
      return true;
  }
  return false;
}

}  // namespace

bool context_builds_openai(TSNode call, const Scope* scope, Evaluator& ev, const ClientBuildingLibrary& lib,
                           std::string_view code) {
  if (lib.config_contexts.empty()) return false;
  if (const TSNode block = context_config(call, scope, ev, lib); !is_null(block))
    return config_builds_openai(block, scope, code, lib, ev);
  const Scope* fn = enclosing_function(scope);
  std::vector<const Scope*> seen;
  return fn && callers_build_openai(fn, ev, lib, 1, seen);
}

}  // namespace qg::python
