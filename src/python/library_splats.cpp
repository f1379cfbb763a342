// Whether a call into a client-building library may be handed a keyword through a `**` splat
// (library_handed.h): a splat whose every value is seen says which keys it holds.
#include "python/library_handed.h"
#include "python/syntax.h"

namespace qg::python {

namespace {

// The values `expr` (a name, or `self.NAME` in a method) is assigned, with where each is read;
// nullopt when one is not an assignment seen here.
std::optional<std::vector<std::pair<TSNode, const Scope*>>> assigned(TSNode expr, const Scope* scope) {
  const Syntax& S = Syntax::get();
  const std::string_view code = scope->owner->code();
  const std::vector<Binding>* bindings = nullptr;
  if (sym(expr) == S.identifier) {
    const std::string name(text(expr, code));
    for (const Scope* s = scope; s && !bindings; s = s->parent)
      if (const auto it = s->bindings.find(name); it != s->bindings.end()) bindings = &it->second;
  } else if (sym(expr) == S.attribute && sym(unparenthesize(field(expr, S.f_object))) == S.identifier) {
    const std::string receiver(text(unparenthesize(field(expr, S.f_object)), code));
    const std::string name(text(field(expr, S.f_attribute), code));
    for (const Scope* s = scope; s; s = s->parent)
      if (s->method_of && !s->is_staticmethod && receiver == s->self_name) {
        if (s->method_of->body && s->method_of->body->bindings.contains(name)) return std::nullopt;
        if (const auto it = s->method_of->instance_attrs.find(name); it != s->method_of->instance_attrs.end())
          bindings = &it->second;
        break;
      }
  }
  if (!bindings) return std::nullopt;
  std::vector<std::pair<TSNode, const Scope*>> out;
  for (const Binding& b : *bindings) {
    if (b.kind != Binding::Kind::Expr || is_null(b.node) || !b.scope) return std::nullopt;
    out.emplace_back(unparenthesize(b.node), b.scope);
  }
  return out;
}

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
    if (sym(a) != S.dictionary_splat) continue;
    const auto values = assigned(unparenthesize(ts_node_named_child(a, 0)), scope);
    if (!values) return true;
    for (const auto& [d, where] : *values) {
      const std::string_view there = where->owner->code();
      if (sym(d) == S.dictionary) {
        for (TSNode pair : NamedChildren(d)) {
          if (sym(pair) != S.pair) return true;  // `**more` inside
          const auto key = plain_string(field(pair, S.f_key), there);
          if (!key || *key == name) return true;
        }
      } else if (sym(d) == S.dictionary_comprehension) {
        if (comprehension_may_pass(d, where, name, ev)) return true;
      } else {
        return true;
      }
    }
  }
  return false;
}

}  // namespace qg::python
