// Call-site constants: a function that dispatches on a parameter compared with string constants
// (pydantic-ai's `infer_provider_class(name)`: `if name == "openai": return OpenAIProvider elif
// name == "groq": return GroqProvider ...`) returns, at a call whose argument for it is a known
// string (a literal, a default, a `Literal[...]` parameter narrowed by `isinstance(p, str)`, a
// caller's own constant carried down by its frame), only what the branches that string can take
// return (python/call_context.cpp: the frames). A condition the constants do not decide keeps
// both branches, and a call whose argument is not known keeps the union of every branch.
#include <algorithm>
#include <cstring>

#include "python/evaluator.h"
#include "python/evaluator_detail.h"
#include "python/syntax.h"

namespace qg::python {

using namespace evaluator_detail;

namespace {

constexpr int kMaxConstantDepth = 8;

bool is_type(TSNode n, const char* type) { return !is_null(n) && std::strcmp(ts_node_type(n), type) == 0; }

// The anonymous operator token of a comparison / boolean operator (`==`, `not in`, `and`).
std::string_view operator_of(TSNode n, std::string_view code) {
  for (uint32_t i = 0; i < ts_node_child_count(n); ++i) {
    TSNode c = ts_node_child(n, i);
    if (!ts_node_is_named(c)) return text(c, code);
  }
  return {};
}

// The strings of a literal `"a"`, or of `("a", "b")` / `["a", "b"]` / `{"a", "b"}` (each a plain
// string), else nullopt.
std::optional<std::vector<std::string>> literal_strings(TSNode n, std::string_view code) {
  const auto& S = Syntax::get();
  n = unparenthesize(n);
  if (auto s = plain_string(n, code)) return std::vector<std::string>{std::string(*s)};
  if (is_null(n) || (sym(n) != S.tuple && sym(n) != S.list && sym(n) != S.set)) return std::nullopt;
  std::vector<std::string> out;
  for (TSNode e : CodeChildren(n)) {
    auto s = plain_string(e, code);
    if (!s) return std::nullopt;
    out.emplace_back(*s);
  }
  return out;
}

// The strings a `case` pattern matches (`case "a" | "b":`), nullopt for any other pattern.
std::optional<std::vector<std::string>> case_strings(TSNode clause, std::string_view code) {
  const auto& S = Syntax::get();
  std::vector<std::string> out;
  bool any = false;
  std::vector<TSNode> stack;
  for (TSNode c : NamedChildren(clause))
    if (is_type(c, "case_pattern")) stack.push_back(c), any = true;
  if (!any) return std::nullopt;
  while (!stack.empty()) {
    TSNode n = stack.back();
    stack.pop_back();
    if (sym(n) == S.string) {
      auto s = plain_string(n, code);
      if (!s) return std::nullopt;
      out.emplace_back(*s);
    } else if (is_type(n, "case_pattern") || is_type(n, "union_pattern")) {
      if (ts_node_named_child_count(n) == 0) return std::nullopt;  // `case _:`
      for (TSNode c : NamedChildren(n)) stack.push_back(c);
    } else {
      return std::nullopt;
    }
  }
  return out;
}

// Whether a block always leaves (its last statement a `return` or a `raise`).
bool leaves(TSNode block) {
  if (is_null(block)) return false;
  const uint32_t count = ts_node_named_child_count(block);
  if (count == 0) return false;
  TSNode last = ts_node_named_child(block, count - 1);
  return is_type(last, "return_statement") || is_type(last, "raise_statement");
}

bool contains(const std::vector<std::string>& set, const std::string& s) { return std::find(set.begin(), set.end(), s) != set.end(); }

// true when every constant satisfies `test`, false when none does, else nullopt.
template <class Test>
std::optional<bool> every(const std::vector<std::string>& constants, Test test) {
  std::size_t yes = 0;
  for (const auto& c : constants) yes += test(c) ? 1 : 0;
  if (yes == constants.size()) return true;
  if (yes == 0) return false;
  return std::nullopt;
}

// `isinstance(name, str)`: the name it tests, else empty.
std::string_view isinstance_str(TSNode cond, std::string_view code) {
  const auto& S = Syntax::get();
  cond = unparenthesize(cond);
  if (is_null(cond) || sym(cond) != S.call || text(field(cond, S.f_function), code) != "isinstance") return {};
  TSNode args = field(cond, S.f_arguments);
  if (is_null(args) || code_child_count(args) != 2) return {};
  TSNode what = code_child(args, 0), type = code_child(args, 1);
  if (sym(what) != S.identifier || text(type, code) != "str") return {};
  return text(what, code);
}

// The strings a parameter annotated `Literal["a", "b"] | Provider[X]` may be: those of its
// `Literal`s, when no other member of the union may be a string (`str`, `Any`, a forward
// reference) and, unless `narrowed` (read under `isinstance(p, str)`), there is no other member.
std::optional<std::vector<std::string>> literal_annotation(TSNode annotation, std::string_view code, bool narrowed) {
  const auto& S = Syntax::get();
  std::vector<std::string> out;
  bool other = false;
  std::vector<TSNode> stack{annotation};
  while (!stack.empty()) {
    TSNode n = unparenthesize(stack.back());
    stack.pop_back();
    if (is_null(n)) return std::nullopt;
    if (is_type(n, "type") || is_type(n, "union_type")) {
      for (TSNode c : NamedChildren(n)) stack.push_back(c);
      continue;
    }
    if (sym(n) == S.binary_operator && operator_of(n, code) == "|") {
      stack.push_back(field(n, S.f_left));
      stack.push_back(field(n, S.f_right));
      continue;
    }
    const std::string_view word = text(n, code).substr(0, text(n, code).find('['));
    if (is_type(n, "generic_type") || sym(n) == S.subscript) {
      if (word == "Literal" || word == "typing.Literal") {
        // `Literal["a", "b"]`: a subscript (value, then the strings) or a generic type (its name,
        // then a type_parameter of types).
        std::vector<TSNode> members;
        bool head = true;
        for (TSNode c : CodeChildren(n)) {
          if (head) {
            head = false;
            continue;
          }
          if (is_type(c, "type_parameter"))
            for (TSNode t : CodeChildren(c)) members.push_back(t);
          else
            members.push_back(c);
        }
        for (TSNode t : members) {
          TSNode inner = is_type(t, "type") && ts_node_named_child_count(t) == 1 ? ts_node_named_child(t, 0) : t;
          auto s = plain_string(inner, code);
          if (!s) return std::nullopt;
          out.emplace_back(*s);
        }
        continue;
      }
      if (word == "Union" || word == "typing.Union" || word == "Optional" || word == "typing.Optional") return std::nullopt;
    }
    if (word == "str" || word == "Any" || word == "typing.Any" || word == "object" || sym(n) == S.string) return std::nullopt;
    other = true;
  }
  if (out.empty() || (other && !narrowed)) return std::nullopt;
  return out;
}

}  // namespace

const Evaluator::Strings* Evaluator::frame_constants(const Scope* fn, int index) {
  for (std::size_t i = contexts_.size(); i-- > 0;) {
    if (contexts_[i].fn != fn) continue;
    for (const auto& [at, strings] : contexts_[i].constants)
      if (at == index) {
        ++context_reads_;  // (what is read so holds for this call only: not memoised)
        for (std::size_t j = i + 1; j < contexts_.size(); ++j) contexts_[j].outer_read = true;
        return &strings;
      }
    return nullptr;
  }
  return nullptr;
}

bool Evaluator::has_frame_constants(const Scope* fn) const {
  for (const ContextFrame& f : contexts_)
    if (f.fn == fn && !f.constants.empty()) return true;
  return false;
}

std::vector<std::pair<int, std::string>> Evaluator::tested_parameters(const Scope* fn) {
  std::vector<std::pair<int, std::string>> out;
  if (fn->kind != Scope::Kind::Function || is_null(fn->node)) return out;
  const auto& S = Syntax::get();
  const std::string_view code = owner(fn).code();
  auto parameter = [&](TSNode n) {
    n = unparenthesize(n);
    if (is_null(n) || sym(n) != S.identifier) return;
    const std::string name(text(n, code));
    const auto it = fn->bindings.find(name);
    if (it == fn->bindings.end()) return;
    for (const Binding& b : it->second)
      if (b.kind == Binding::Kind::Param && !b.self_param && !b.variadic && b.index >= 0 &&
          std::none_of(out.begin(), out.end(), [&](const auto& p) { return p.first == b.index; }))
        out.emplace_back(b.index, name);
  };
  // A walk of the body, not into nested functions and classes.
  std::vector<TSNode> stack{field(fn->node, S.f_body)};
  while (!stack.empty()) {
    TSNode n = stack.back();
    stack.pop_back();
    if (is_null(n)) continue;
    const TSSymbol k = sym(n);
    if (k == S.function_definition || k == S.class_definition || k == S.lambda) continue;
    if (k == S.comparison_operator && ts_node_named_child_count(n) == 2) {
      const std::string_view op = operator_of(n, code);
      TSNode l = ts_node_named_child(n, 0), r = ts_node_named_child(n, 1);
      if ((op == "==" || op == "!=") && plain_string(r, code)) parameter(l);
      if ((op == "==" || op == "!=") && plain_string(l, code)) parameter(r);
      if ((op == "in" || op == "not in") && literal_strings(r, code)) parameter(l);
    } else if (k == S.call) {
      TSNode callee = field(n, S.f_function);
      if (!is_null(callee) && sym(callee) == S.attribute) {
        const std::string_view method = text(field(callee, S.f_attribute), code);
        if (method == "startswith" || method == "endswith") parameter(field(callee, S.f_object));
      }
    } else if (k == S.match_statement) {
      for (uint32_t i = 0; i < ts_node_child_count(n); ++i)
        if (const char* f = ts_node_field_name_for_child(n, i); f && std::strcmp(f, "subject") == 0) parameter(ts_node_child(n, i));
    }
    for (TSNode c : NamedChildren(n)) stack.push_back(c);
  }
  return out;
}

std::optional<Evaluator::Strings> Evaluator::string_constants(TSNode e, const Scope* scope, int depth) {
  const auto& S = Syntax::get();
  e = unparenthesize(e);
  if (is_null(e) || !scope || depth > kMaxConstantDepth) return std::nullopt;
  const std::string_view code = owner(scope).code();
  if (auto s = plain_string(e, code)) return Strings{std::string(*s)};
  if (sym(e) == S.conditional_expression && ts_node_named_child_count(e) >= 3) {
    const auto taken = truth(ts_node_named_child(e, 1), scope, depth + 1);
    auto a = taken == false ? std::optional<Strings>(Strings{}) : string_constants(ts_node_named_child(e, 0), scope, depth + 1);
    auto b = taken == true ? std::optional<Strings>(Strings{}) : string_constants(ts_node_named_child(e, 2), scope, depth + 1);
    if (!a || !b) return std::nullopt;
    for (auto& s : *b)
      if (!contains(*a, s)) a->push_back(std::move(s));
    return a;
  }
  if (sym(e) != S.identifier) return std::nullopt;
  const std::string name(text(e, code));
  const Scope* home = defining_scope(scope, name);
  if (!home) return std::nullopt;
  const auto& all = home->bindings.at(name);
  // The bindings reaching the read, but those a guard rules out.
  Strings out;
  for (const Binding* reached : reaching(all, home == scope ? start_byte(e) : UINT32_MAX)) {
    const Binding& b = *reached;
    // A guard of `b` reading the name itself: shown to rule `b` out with `b` assumed not to
    // happen (then the name keeps the other bindings' strings, and the guard stays false).
    if (assumed_dead_.count(&b)) continue;
    if (b.kind != Binding::Kind::Param && !is_null(b.node) && home->kind == Scope::Kind::Function) {
      assumed_dead_.insert(&b);
      const bool dead = dead_branch(b.node, home, depth + 1);
      assumed_dead_.erase(&b);
      if (dead) continue;
    }
    std::optional<Strings> strings;
    if (b.kind == Binding::Kind::Expr) {
      strings = string_constants(b.node, b.scope, depth + 1);
    } else if (b.kind == Binding::Kind::Param && !b.self_param && !b.variadic && b.index >= 0) {
      if (const Strings* given = frame_constants(home, b.index)) {
        strings = *given;
      } else if (called_parameter(home, b.index)) {
        ++called_reads_;  // (read outside a frame: may not hold in one, evaluator.h Memoised::called)
      }
      if (!strings && !is_null(b.annotation)) {
        // Narrowed by `if isinstance(name, str):` around the read.
        bool narrowed = false;
        for (TSNode c = e, p = ts_node_parent(e); !is_null(p) && !narrowed && !ts_node_eq(p, home->node); c = p, p = ts_node_parent(p))
          if (sym(p) == S.if_statement && ts_node_eq(field(p, S.f_consequence), c)) narrowed = isinstance_str(field(p, S.f_condition), code) == name;
        strings = literal_annotation(b.annotation, owner(b.scope).code(), narrowed);
        if (strings && !is_null(b.node)) {  // the default is one of them
          auto d = plain_string(b.node, owner(b.scope).code());
          if (!d || !contains(*strings, std::string(*d))) strings.reset();
        }
      }
    }
    if (!strings) return std::nullopt;
    for (auto& s : *strings)
      if (!contains(out, s)) out.push_back(std::move(s));
  }
  if (out.empty()) return std::nullopt;
  return out;
}

std::optional<bool> Evaluator::truth(TSNode n, const Scope* fn, int depth) {
  const auto& S = Syntax::get();
  n = unparenthesize(n);
  if (is_null(n) || depth > kMaxConstantDepth) return std::nullopt;
  const std::string_view code = owner(fn).code();
  const TSSymbol k = sym(n);
  if (k == S.not_operator && ts_node_named_child_count(n) == 1) {
    auto t = truth(ts_node_named_child(n, 0), fn, depth + 1);
    if (t) return !*t;
    return std::nullopt;
  }
  if (k == S.boolean_operator) {
    const bool conj = operator_of(n, code) == "and";
    auto l = truth(field(n, S.f_left), fn, depth + 1), r = truth(field(n, S.f_right), fn, depth + 1);
    if (conj) {
      if (l == false || r == false) return false;
      if (l == true && r == true) return true;
    } else {
      if (l == true || r == true) return true;
      if (l == false && r == false) return false;
    }
    return std::nullopt;
  }
  if (k == S.comparison_operator && ts_node_named_child_count(n) == 2) {
    const std::string_view op = operator_of(n, code);
    TSNode l = ts_node_named_child(n, 0), r = ts_node_named_child(n, 1);
    if (op == "==" || op == "!=") {
      if (plain_string(l, code)) std::swap(l, r);
      auto literal = plain_string(r, code);
      if (!literal) return std::nullopt;
      auto constants = string_constants(l, fn, depth + 1);
      if (!constants) return std::nullopt;
      auto eq = every(*constants, [&](const std::string& c) { return c == *literal; });
      if (eq && op == "!=") return !*eq;
      return eq;
    }
    if (op == "in" || op == "not in") {
      auto set = literal_strings(r, code);
      if (!set || sym(unparenthesize(r)) == S.string) return std::nullopt;  // (`"a" in name`: a substring)
      auto constants = string_constants(l, fn, depth + 1);
      if (!constants) return std::nullopt;
      auto in = every(*constants, [&](const std::string& c) { return contains(*set, c); });
      if (in && op == "not in") return !*in;
      return in;
    }
    return std::nullopt;
  }
  if (k == S.call) {
    if (const std::string_view tested = isinstance_str(n, code); !tested.empty()) {
      if (string_constants(first_code_child(field(n, S.f_arguments)), fn, depth + 1)) return true;
      return std::nullopt;
    }
    TSNode callee = field(n, S.f_function), args = field(n, S.f_arguments);
    if (is_null(callee) || sym(callee) != S.attribute || is_null(args) || code_child_count(args) != 1) return std::nullopt;
    const std::string_view method = text(field(callee, S.f_attribute), code);
    if (method != "startswith" && method != "endswith") return std::nullopt;
    auto affixes = literal_strings(first_code_child(args), code);
    if (!affixes) return std::nullopt;
    auto constants = string_constants(field(callee, S.f_object), fn, depth + 1);
    if (!constants) return std::nullopt;
    return every(*constants, [&](const std::string& c) {
      return std::any_of(affixes->begin(), affixes->end(), [&](const std::string& a) {
        return method == "startswith" ? std::string_view(c).starts_with(a) : std::string_view(c).ends_with(a);
      });
    });
  }
  return std::nullopt;
}

bool Evaluator::dead_branch(TSNode node, const Scope* fn, int depth) {
  const auto& S = Syntax::get();
  if (depth > kMaxConstantDepth || is_null(node) || !fn || is_null(fn->node)) return false;
  const std::string_view code = owner(fn).code();
  for (TSNode c = node, p = ts_node_parent(node); !is_null(p) && !ts_node_eq(c, fn->node); c = p, p = ts_node_parent(p)) {
    const TSSymbol k = sym(p);
    if (k == S.function_definition || k == S.class_definition || k == S.lambda) return false;  // a nested scope's
    if (k == S.block || k == S.module)
      for (TSNode before = ts_node_prev_named_sibling(c); !is_null(before); before = ts_node_prev_named_sibling(before))
        if (sym(before) == S.if_statement && leaves(field(before, S.f_consequence)) && truth(field(before, S.f_condition), fn, depth + 1) == true)
          return true;  // `if name != "openai": return Groq()` before it
    if (k == S.if_statement) {
      if (ts_node_eq(field(p, S.f_consequence), c)) {
        if (truth(field(p, S.f_condition), fn, depth + 1) == false) return true;
        continue;
      }
      if (!is_type(c, "elif_clause") && !is_type(c, "else_clause")) continue;
      // An `elif` / `else` is not reached when a condition before it holds.
      if (truth(field(p, S.f_condition), fn, depth + 1) == true) return true;
      for (TSNode alt : NamedChildren(p)) {
        if (ts_node_eq(alt, c)) break;
        if (is_type(alt, "elif_clause") && truth(field(alt, S.f_condition), fn, depth + 1) == true) return true;
      }
    } else if (is_type(p, "elif_clause") && ts_node_eq(field(p, S.f_consequence), c)) {
      if (truth(field(p, S.f_condition), fn, depth + 1) == false) return true;
    } else if (k == S.conditional_expression && ts_node_named_child_count(p) >= 3) {
      const bool first = ts_node_eq(ts_node_named_child(p, 0), c), last = ts_node_eq(ts_node_named_child(p, 2), c);
      if (first || last) {
        const auto t = truth(ts_node_named_child(p, 1), fn, depth + 1);
        if ((first && t == false) || (last && t == true)) return true;
      }
    } else if (is_type(p, "case_clause") && ts_node_eq(field(p, S.f_consequence), c)) {
      TSNode block = ts_node_parent(p), match = is_null(block) ? block : ts_node_parent(block);
      if (is_null(match) || sym(match) != S.match_statement) continue;
      TSNode subject{};
      int subjects = 0;
      for (uint32_t i = 0; i < ts_node_child_count(match); ++i)
        if (const char* f = ts_node_field_name_for_child(match, i); f && std::strcmp(f, "subject") == 0) subject = ts_node_child(match, i), ++subjects;
      if (subjects != 1) continue;
      auto constants = string_constants(subject, fn, depth + 1);
      if (!constants) continue;
      // Not taken: its strings match none of the constants, or earlier cases (unguarded) take them all.
      if (auto mine = case_strings(p, code); mine && every(*constants, [&](const std::string& s) { return contains(*mine, s); }) == false)
        return true;
      Strings before;
      for (TSNode other : NamedChildren(block)) {
        if (ts_node_eq(other, p)) break;
        bool guarded = false;
        for (TSNode g : NamedChildren(other)) guarded |= is_type(g, "if_clause");
        if (auto theirs = case_strings(other, code); theirs && !guarded) before.insert(before.end(), theirs->begin(), theirs->end());
      }
      if (every(*constants, [&](const std::string& s) { return contains(before, s); }) == true) return true;
    }
  }
  return false;
}

bool Evaluator::prunes(const Scope* fn) {
  for (TSNode r : fn->returns)
    if (dead_branch(r, fn)) return true;
  for (const auto& [name, bindings] : fn->bindings)
    for (const Binding& b : bindings)
      if (b.kind != Binding::Kind::Param && !is_null(b.node) && dead_branch(b.node, fn)) return true;
  return false;
}

}  // namespace qg::python
