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

void read_keyed(TSNode d, const Scope* scope, std::string_view key, int depth, std::vector<KeyedValue>& out);

// Whether `n` runs only sometimes within `root`: under an if / for / while / try / match.
bool conditional_within(TSNode n, TSNode root) {
  const Syntax& S = Syntax::get();
  for (TSNode p = ts_node_parent(n); !is_null(p) && !ts_node_eq(p, root); p = ts_node_parent(p))
    if (sym(p) == S.if_statement || sym(p) == S.for_statement || sym(p) == S.while_statement ||
        sym(p) == S.try_statement || sym(p) == S.match_statement || sym(p) == S.conditional_expression ||
        sym(p) == S.boolean_operator)
      return true;
  return false;
}

// Changes made to dict `name` in the body of `scope` (its own, not nested functions'), added to
// `out` as what they put under `key`: `name["k"] = v` and `name.setdefault("k", v)` (Found, or
// Unseen for a computed key), `name.update(...)` and `name |= ...` (what they merge in),
// `name.pop("k")`, `del name["k"]` and `name.clear()` (Absent). Whether one writes or removes
// `key` unconditionally: then what the dict was made with no longer decides its absence.
bool read_changes(std::string_view name, const Scope* scope, std::string_view key, int depth,
                  std::vector<KeyedValue>& out) {
  const Syntax& S = Syntax::get();
  const TSNode root = scope->node;
  if (is_null(root) || !scope->owner || depth > 4) return false;
  const std::string_view code = scope->owner->code();
  const auto is_name = [&](TSNode n) {
    n = unparenthesize(n);
    return !is_null(n) && sym(n) == S.identifier && text(n, code) == name;
  };
  bool overridden = false;
  // `key`'s entry set (or removed) by `at` through literal key `plain`: a computed key is Unseen.
  const auto keyed = [&](TSNode at, std::optional<std::string_view> plain, Kind kind, TSNode value) {
    if (!plain) return out.push_back({Kind::Unseen, at, scope});
    if (*plain != key) return;
    if (kind == Kind::Found && is_null(value)) kind = Kind::Unseen;  // `setdefault("k")`
    out.push_back({kind, kind == Kind::Found ? value : at, scope});
    overridden = overridden || !conditional_within(at, root);
  };
  const auto merged = [&](TSNode from) {  // what a merge brings in; a dict without `key` changes nothing
    std::vector<KeyedValue> in;
    read_keyed(from, scope, key, depth + 1, in);
    for (const KeyedValue& v : in)
      if (v.kind != Kind::Absent) out.push_back(v);
  };
  walk(root, [&](TSNode n) {
    const auto k = sym(n);
    if (!ts_node_eq(n, root) &&
        (k == S.function_definition || k == S.class_definition || k == S.lambda || k == S.decorated_definition))
      return false;
    if (k == S.augmented_assignment && is_name(field(n, S.f_left))) {
      merged(field(n, S.f_right));
    } else if (k == S.assignment) {
      const TSNode left = field(n, S.f_left);
      if (sym(left) == S.subscript && is_name(field(left, S.f_value)))
        keyed(n, plain_string(field(left, S.f_subscript), code), Kind::Found, field(n, S.f_right));
    } else if (ts_node_type(n) == std::string_view("delete_statement")) {
      for (TSNode target : NamedChildren(n))
        if (sym(target) == S.subscript && is_name(field(target, S.f_value)))
          keyed(n, plain_string(field(target, S.f_subscript), code), Kind::Absent, {});
    } else if (k == S.call) {
      const TSNode method = field(n, S.f_function), args = field(n, S.f_arguments);
      if (sym(method) != S.attribute || !is_name(field(method, S.f_object)) || is_null(args) ||
          sym(args) != S.argument_list)
        return true;
      const std::string_view verb = text(field(method, S.f_attribute), code);
      if (verb == "update") {
        for (TSNode a : CodeChildren(args))
          if (sym(a) == S.keyword_argument) {
            if (text(field(a, S.f_name), code) == key) keyed(n, key, Kind::Found, field(a, S.f_value));
          } else if (sym(a) == S.dictionary_splat && ts_node_named_child_count(a) > 0) {
            merged(ts_node_named_child(a, 0));
          } else {
            merged(a);
          }
      } else if (verb == "setdefault" || verb == "pop") {
        keyed(n, plain_string(code_child(args, 0), code), verb == "pop" ? Kind::Absent : Kind::Found, code_child(args, 1));
      } else if (verb == "clear") {
        out.push_back({Kind::Absent, n, scope});
        overridden = overridden || !conditional_within(n, root);
      }
    }
    return true;
  });
  return overridden;
}

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
  // What the dict is changed to after it is made comes first: it is the later write.
  bool overridden = false;
  if (sym(d) == S.identifier) {
    const std::string name(text(d, code));
    for (const Scope* s = scope; s; s = s->parent)
      if (s->bindings.contains(name)) {
        overridden = read_changes(name, s, key, depth, out);
        break;
      }
  }
  for (const auto& [value, where] : *values) {
    if (is_null(value)) {
      out.push_back({Kind::Unseen, d, scope});
      continue;
    }
    const size_t before = out.size();
    read_keyed(value, where, key, depth + 1, out);
    if (overridden)  // the key is written (or removed) whatever the dict was made with
      std::erase_if(out, [&, i = size_t{0}](const KeyedValue& v) mutable {
        return i++ >= before && v.kind == Kind::Absent;
      });
  }
}

}  // namespace

std::vector<KeyedValue> keyed_values(TSNode d, const Scope* scope, std::string_view key, int depth) {
  std::vector<KeyedValue> out;
  read_keyed(d, scope, key, depth, out);
  return out;
}

}  // namespace qg::python
