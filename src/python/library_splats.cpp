// Whether a call into a client-building library may be handed a keyword through a `**` splat
// (library_handed.h): a splat whose every value is seen says which keys it holds.
#include "python/dict_keys.h"
#include "python/library_handed.h"
#include "python/syntax.h"

namespace qg::python {

namespace {

// `kwargs`, the enclosing function's own `**kwargs` (merged in: `options.update(kwargs)`):
// whether a call of that function may pass `name` (one passes it, or none is found).
bool own_keywords_may_pass(TSNode kwargs, const Scope* scope, std::string_view name, Evaluator& ev) {
  for (const Value& v : ev.eval(kwargs, scope)) {
    if (!is_whole_keywords(v) || !v.function)
      return true;
    if (!ev.passed_to(v.function, kKeywordsParameter, std::string(name)).empty() || !ev.calls_read(v.function))
      return true;
  }
  return false;
}

// `{k: v for k, v in kwargs.items() ...}` over the enclosing function's own `**kwargs`: whether
// a call of that function may pass `name`.
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
  return own_keywords_may_pass(field(method, S.f_object), scope, name, ev);
}

// What keyed_values could not read (python/dict_keys.h): a comprehension over, or a merge of, the
// enclosing function's own `**kwargs` holds what its callers pass; anything else may hold `name`.
bool unseen_may_pass(const KeyedValue& v, std::string_view name, Evaluator& ev) {
  const Syntax& S = Syntax::get();
  if (is_null(v.node) || !v.scope || !v.scope->owner) return true;
  if (sym(v.node) == S.dictionary_comprehension) return comprehension_may_pass(v.node, v.scope, name, ev);
  return sym(v.node) != S.identifier || own_keywords_may_pass(v.node, v.scope, name, ev);
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
          (v.kind == KeyedValue::Kind::Unseen && unseen_may_pass(v, name, ev)))
        return true;
  }
  return false;
}

}  // namespace qg::python
