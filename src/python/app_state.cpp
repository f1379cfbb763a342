// Starlette's (and FastAPI's) application state: `app.state.client = AsyncOpenAI()` at startup,
// or a lifespan yielding `{"client": ...}`, read in the routes as `request.app.state.client` /
// `request.state.client` (starlette 0.41 datastructures.py `State`, routing.py `lifespan`,
// requests.py `Request.state`). A read `<x>.state.<name>` in a module naming fastapi or starlette
// holds what any such store or lifespan state puts under that name.
#include "python/call_sites.h"
#include "python/evaluator.h"
#include "python/evaluator_detail.h"
#include "python/syntax.h"

namespace qg::python {

using namespace evaluator_detail;

namespace {
bool names_starlette(std::string_view code) {
  return code.find("fastapi") != std::string_view::npos || code.find("starlette") != std::string_view::npos;
}
}  // namespace

bool Evaluator::names_fastapi(const ModuleInfo& m) {
  const auto [it, fresh] = names_fastapi_.try_emplace(&m, false);
  if (fresh) it->second = names_starlette(m.code()) || m.code().find("Depends") != std::string_view::npos;
  return it->second;
}

Values Evaluator::app_state(std::string_view name) {
  const CallSites* sites = project_.call_sites();
  if (!sites) return {};
  const auto& S = Syntax::get();
  Values out;
  // `app.state.client = ...`, `request.app.state.client = ...`
  for (const ModuleInfo::AttributeStore* store : sites->stores(name)) {
    const std::string_view code = owner(store->scope).code();
    const TSNode object = unparenthesize(store->object);
    if (!names_fastapi(owner(store->scope)) || is_null(object) || sym(object) != S.attribute ||
        text(field(object, S.f_attribute), code) != "state")
      continue;
    Guard guard(depth_, cuts_, in_progress_, store);  // `app.state.c = app.state.c or OpenAI()`
    if (!guard.ok()) continue;
    add_all(out, binding_values(store->binding, store->scope));
  }
  // `FastAPI(lifespan=lifespan)` whose lifespan yields `{"client": ...}`.
  for (std::string_view app : {"FastAPI", "Starlette"})
    for (const auto& site : sites->named(app)) {
      const TSNode lifespan = argument_node(site.call, site.scope, -1, "lifespan");
      if (is_null(lifespan)) continue;
      for (const Value& f : eval(lifespan, site.scope)) {
        if (f.kind != Value::Kind::Function || !f.function || !f.function->owner) continue;
        const std::string_view code = f.function->owner->code();
        for (TSNode y : f.function->yields) {
          y = unparenthesize(y);
          if (is_null(y) || sym(y) != S.dictionary) continue;
          for (TSNode pair : NamedChildren(y))
            if (sym(pair) == S.pair && plain_string(field(pair, S.f_key), code) == name) {
              Guard guard(depth_, cuts_, in_progress_, pair.id);
              if (guard.ok()) add_all(out, eval(field(pair, S.f_value), f.function));
            }
        }
      }
    }
  return out;
}

}  // namespace qg::python
