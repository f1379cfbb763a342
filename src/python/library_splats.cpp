// Whether a call into a client-building library may be handed a keyword through a `**` splat
// (library_handed.h): a splat whose every value is seen says which keys it holds.
#include "python/dict_keys.h"
#include "python/library_handed.h"
#include "python/syntax.h"

namespace qg::python {

namespace {

// `{k: v for k, v in kwargs.items() ...}` over the enclosing function's own `**kwargs`: whether
// a call of that function may pass `name` (one passes it, or none is found).
bool comprehension_may_pass(TSNode d, const Scope* scope, std::string_view name, Evaluator& ev) {
  const Syntax& S = Syntax::get();
  const std::string_view code = scope->owner->code();
  TSNode clause{};
  for (TSNode c : NamedChildren(d))
    if (sym(c) == S.for_in_clause) {
      if (!is_null(clause)) return true;  // nested loops: not read
      clause = c;
    }
  const TSNode items = is_null(clause) ? clause : unparenthesize(field(clause, S.f_right));
  if (is_null(items) || sym(items) != S.call || code_child_count(field(items, S.f_arguments)) != 0) return true;
  const TSNode method = field(items, S.f_function);
  if (sym(method) != S.attribute || text(field(method, S.f_attribute), code) != "items") return true;
  for (const Value& v : ev.eval(field(method, S.f_object), scope)) {
    if (v.kind != Value::Kind::Unknown || v.param_index != kKeywordsParameter || !v.param_name.empty() ||
        !v.path.empty() || !v.function)
      return true;
    if (!ev.passed_to(v.function, kKeywordsParameter, std::string(name)).empty()) return true;
    // Some call must be seen: what one passes a plain parameter of the function says so.
    const int first = v.function->method_of && !v.function->is_staticmethod ? 1 : 0;
    bool called = false;
    for (const auto& [param, bindings] : v.function->bindings)
      for (const Binding& b : bindings)
        if (!called && b.kind == Binding::Kind::Param && !b.variadic && b.index >= first)
          called = !ev.arguments_passed(v.function, b).empty();
    if (!called) return true;
  }
  return false;
}

}  // namespace

bool may_pass_keyword(TSNode call, const Scope* scope, std::string_view name, Evaluator& ev) {
  const Syntax& S = Syntax::get();
  const std::string_view code = scope->owner->code();
  const TSNode args = field(call, S.f_arguments);
  if (is_null(args) || sym(args) != S.argument_list) return false;
  for (TSNode a : CodeChildren(args)) {
    if (sym(a) == S.keyword_argument && text(field(a, S.f_name), code) == name) return true;
    if (sym(a) != S.dictionary_splat || ts_node_named_child_count(a) == 0) continue;
    for (const KeyedValue& v : keyed_values(ts_node_named_child(a, 0), scope, name))
      if (v.kind == KeyedValue::Kind::Found ||
          (v.kind == KeyedValue::Kind::Unseen &&
           (is_null(v.node) || sym(v.node) != S.dictionary_comprehension || comprehension_may_pass(v.node, v.scope, name, ev))))
        return true;
  }
  return false;
}

}  // namespace qg::python
