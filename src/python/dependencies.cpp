// FastAPI's dependency injection: a route's parameter whose default is `Depends(get_client)` (or
// `Security(...)`), or whose annotation is `Annotated[T, Depends(get_client)]` (also through a
// type alias, `ChatClient = Annotated[...]`), receives what `get_client` returns, or yields, on
// each request (fastapi 0.115 params.py, dependencies/utils.py `solve_dependencies`). The route
// itself has no caller in the project, so that is all the parameter ever holds.
#include "python/evaluator.h"
#include "python/evaluator_detail.h"
#include "python/syntax.h"

namespace qg::python {

using namespace evaluator_detail;

namespace {

// The text a dependency marker is called by (`Depends`, `fastapi.Depends`, `Security`).
bool names_marker(std::string_view callee) {
  const auto dot = callee.rfind('.');
  const std::string_view last = dot == std::string_view::npos ? callee : callee.substr(dot + 1);
  return last == "Depends" || last == "Security";
}

bool is_marker(const Values& callee) {
  for (const Value& v : callee) {
    if (v.kind != Value::Kind::External || !v.path.starts_with("fastapi.")) continue;
    if (names_marker(v.path)) return true;
  }
  return false;
}

}  // namespace

Values Evaluator::injected_dependency(TSNode n, const Scope* scope, int depth) {
  const auto& S = Syntax::get();
  n = unparenthesize(n);
  if (is_null(n) || !scope || depth > 5) return {};
  const std::string_view code = owner(scope).code();
  Values out;
  if (sym(n) == S.call) {
    const TSNode callee = field(n, S.f_function);
    if (!names_marker(text(callee, code)) || !is_marker(eval(callee, scope))) return {};
    for (const Value& f : eval(argument_node(n, scope, 0, "dependency"), scope))
      if (f.kind == Value::Kind::Function && f.function) add_all(out, fixture_value(f.function));
    return out;
  }
  if (sym(n) == S.subscript) {  // `Annotated[AsyncOpenAI, Depends(get_client)]` as an expression
    const TSNode value = field(n, S.f_value);
    for (TSNode c : NamedChildren(n))
      if (!ts_node_eq(c, value)) add_all(out, injected_dependency(c, scope, depth + 1));
    return out;
  }
  // A parameter's annotation (`: T`), or the same written as a generic type, each parameter a type.
  if (const std::string_view kind = ts_node_type(n); kind == "generic_type" || kind == "type_parameter" || kind == "type") {
    for (TSNode c : NamedChildren(n)) add_all(out, injected_dependency(c, scope, depth + 1));
    return out;
  }
  if (sym(n) == S.identifier) {  // a type alias: `ChatClient = Annotated[...]`, or one imported
    const std::string name(text(n, code));
    for (const Scope* s = scope; s; s = s->parent)
      if (const auto it = s->bindings.find(name); it != s->bindings.end()) {
        for (const Binding& b : it->second) add_all(out, alias_dependency(b, s, depth + 1));
        break;
      }
  }
  return out;
}

Values Evaluator::alias_dependency(const Binding& b, const Scope* scope, int depth) {
  if (b.kind == Binding::Kind::Expr && !is_null(b.node) && b.scope) return injected_dependency(b.node, b.scope, depth);
  if (b.kind != Binding::Kind::ImportFrom || b.name.empty() || b.name == "*" || !scope->owner) return {};
  // `from app.dependencies import ChatClient`: the alias where the project module defines it.
  const std::string resolved = resolve_import(project_, *scope->owner, b.module, b.level);
  ModuleInfo* m = resolved.empty() ? nullptr : project_.module(resolved);
  if (!m || m->scopes.empty()) return {};
  const auto it = m->module_scope()->bindings.find(b.name);
  if (it == m->module_scope()->bindings.end()) return {};
  Values out;
  for (const Binding& there : it->second) add_all(out, alias_dependency(there, m->module_scope(), depth + 1));
  return out;
}

}  // namespace qg::python
