#include "python/dict_keys.h"

#include <string>

#include "python/syntax.h"

namespace qg::python {

std::optional<std::vector<std::pair<TSNode, const Scope*>>> assigned_values(TSNode expr, const Scope* scope) {
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
        // Also a class attribute: which one an instance reads is not followed here.
        if (s->method_of->body && s->method_of->body->bindings.contains(name)) return std::nullopt;
        if (const auto it = s->method_of->instance_attrs.find(name); it != s->method_of->instance_attrs.end())
          bindings = &it->second;
        break;
      }
  }
  if (!bindings) return std::nullopt;
  std::vector<std::pair<TSNode, const Scope*>> out;
  for (const Binding& b : *bindings)
    if (b.kind == Binding::Kind::Expr && !is_null(b.node) && b.scope && b.scope->owner)
      out.emplace_back(unparenthesize(b.node), b.scope);
    else
      out.emplace_back(TSNode{}, b.scope);
  return out;
}

namespace {

using Kind = KeyedValue::Kind;

void read_keyed(TSNode d, const Scope* scope, std::string_view key, int depth, std::vector<KeyedValue>& out) {
  const Syntax& S = Syntax::get();
  d = unparenthesize(d);
  if (is_null(d) || !scope || !scope->owner || depth > 4) {
    out.push_back({Kind::Unseen, d, scope});
    return;
  }
  const std::string_view code = scope->owner->code();
  if (sym(d) == S.dictionary) {
    TSNode value{};
    bool open = false;  // `{**base, ...}` or a computed key: a key not written may be there
    for (TSNode pair : NamedChildren(d)) {
      if (sym(pair) == S.dictionary_splat) open = true;
      if (sym(pair) != S.pair) continue;
      const auto k = plain_string(field(pair, S.f_key), code);
      if (!k) open = true;
      else if (*k == key) value = field(pair, S.f_value);
    }
    if (!is_null(value)) out.push_back({Kind::Found, value, scope});
    else out.push_back({open ? Kind::Unseen : Kind::Absent, d, scope});
    return;
  }
  if (sym(d) == S.call) {
    const TSNode function = field(d, S.f_function), args = field(d, S.f_arguments);
    if (!is_null(args) && sym(args) == S.argument_list) {
      if (sym(function) == S.attribute && text(field(function, S.f_attribute), code) == "copy" &&
          code_child_count(args) == 0)
        return read_keyed(field(function, S.f_object), scope, key, depth + 1, out);
      if (sym(function) == S.identifier && text(function, code) == "dict") {
        for (TSNode a : CodeChildren(args))
          if (sym(a) == S.keyword_argument && text(field(a, S.f_name), code) == key) {
            out.push_back({Kind::Found, field(a, S.f_value), scope});  // a keyword overrides what is merged
            return;
          }
        const size_t before = out.size();
        for (TSNode a : CodeChildren(args))
          if (sym(a) == S.dictionary_splat && ts_node_named_child_count(a) > 0)
            read_keyed(ts_node_named_child(a, 0), scope, key, depth + 1, out);
          else if (sym(a) == S.list_splat)
            out.push_back({Kind::Unseen, a, scope});
          else if (sym(a) != S.keyword_argument)
            read_keyed(a, scope, key, depth + 1, out);
        if (out.size() == before) out.push_back({Kind::Absent, d, scope});
        return;
      }
    }
    out.push_back({Kind::Unseen, d, scope});
    return;
  }
  const auto values = assigned_values(d, scope);
  if (!values) {
    out.push_back({Kind::Unseen, d, scope});
    return;
  }
  for (const auto& [value, where] : *values)
    if (is_null(value)) out.push_back({Kind::Unseen, d, scope});
    else read_keyed(value, where, key, depth + 1, out);
}

}  // namespace

std::vector<KeyedValue> keyed_values(TSNode d, const Scope* scope, std::string_view key, int depth) {
  std::vector<KeyedValue> out;
  read_keyed(d, scope, key, depth, out);
  return out;
}

}  // namespace qg::python
