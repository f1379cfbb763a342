// Model names a library call's model argument may hold (library_arguments.h).
#include "python/library_arguments.h"

#include <optional>

#include "python/call_sites.h"
#include "python/dict_keys.h"
#include "python/syntax.h"

namespace qg::python {

namespace {

// `m` in `... if m.startswith("openai/") else ...` (or `if not m.startswith(...)`, the other
// branch) is known to start with "openai/" there: the idiom that makes sure of a prefix
// (`f"openai/{m}" if not m.startswith("openai/") else m`).
std::vector<std::string_view> guarded_start(TSNode condition, TSNode branch, bool when_true, std::string_view code) {
  const Syntax& S = Syntax::get();
  condition = unparenthesize(condition);
  branch = unparenthesize(branch);
  if (!is_null(condition) && sym(condition) == S.not_operator) {
    condition = unparenthesize(ts_node_named_child(condition, 0));
    when_true = !when_true;
  }
  if (!when_true || is_null(condition) || is_null(branch) || sym(condition) != S.call || sym(branch) != S.identifier) return {};
  const TSNode callee = field(condition, S.f_function), args = field(condition, S.f_arguments);
  if (sym(callee) != S.attribute || text(field(callee, S.f_attribute), code) != "startswith") return {};
  const TSNode object = field(callee, S.f_object);
  if (sym(object) != S.identifier || text(object, code) != text(branch, code) || code_child_count(args) != 1) return {};
  const TSNode prefix = first_code_child(args);
  if (sym(prefix) != S.string || ts_node_named_child_count(prefix) != 3) return {};  // start, one content, end
  const TSNode content = ts_node_named_child(prefix, 1);
  if (sym(content) != S.string_content) return {};
  return {text(content, code)};
}

// A non-negative integer literal (`1`, `0x2`), or -1.
int small_integer(TSNode n, std::string_view code) {
  n = unparenthesize(n);
  if (is_null(n) || sym(n) != Syntax::get().integer) return -1;
  int value = 0;
  for (char c : text(n, code)) {
    if (c < '0' || c > '9' || value > 1000) return -1;
    value = value * 10 + (c - '0');
  }
  return value;
}

// Part `index` of `start` split at `sep` at most `maxsplit` times (-1: no limit), as far as the
// start shows it: empty when the start ends before that part begins.
std::optional<std::string_view> split_part(std::string_view start, std::string_view sep, int index, int maxsplit) {
  for (int i = 0; i < index; ++i) {
    const auto at = start.find(sep);
    if (at == std::string_view::npos) return std::nullopt;
    start.remove_prefix(at + sep.size());
  }
  if (maxsplit >= 0 && index >= maxsplit) return start;
  return start.substr(0, start.find(sep));
}

// Part `index` of `s.split(sep[, maxsplit])` or `s.partition(sep)` (unpacked into names, or
// subscripted with a literal): that part of each start of `s` (LangGraph's templates split
// "provider/model"). A start that does not reach the part adds nothing (a value lacking the
// separator fails to unpack; one known only in part decides nothing); empty when the call is
// neither.
std::vector<std::string_view> split_part_starts(TSNode call, int index, const Scope* scope, std::string_view code,
                                                const Project* project, int depth, Evaluator* ev) {
  const Syntax& S = Syntax::get();
  call = unparenthesize(call);
  if (is_null(call) || sym(call) != S.call || index < 0) return {};
  const TSNode callee = field(call, S.f_function), args = field(call, S.f_arguments);
  if (sym(callee) != S.attribute || is_null(args) || sym(args) != S.argument_list) return {};
  const std::string_view method = text(field(callee, S.f_attribute), code);
  const bool partition = method == "partition";
  if (method != "split" && !partition) return {};
  TSNode sep_node{}, max_node{};
  int position = 0;
  for (TSNode a : CodeChildren(args)) {
    const std::string_view keyword = sym(a) == S.keyword_argument ? text(field(a, S.f_name), code) : "";
    if (keyword == "sep" || (keyword.empty() && position == 0)) sep_node = keyword.empty() ? a : field(a, S.f_value);
    else if (keyword == "maxsplit" || (keyword.empty() && position == 1)) max_node = keyword.empty() ? a : field(a, S.f_value);
    else return {};
    position += keyword.empty();
  }
  const auto sep = plain_string(sep_node, code);
  int maxsplit = is_null(max_node) ? -1 : small_integer(max_node, code);
  if (!sep || (!is_null(max_node) && maxsplit < 0)) return {};
  if (partition) {  // (before, sep, after)
    if (index == 1 || index > 2 || !is_null(max_node)) return {};
    index /= 2;
    maxsplit = 1;
  }
  std::vector<std::string_view> out;
  for (std::string_view start : model_starts(field(callee, S.f_object), scope, code, project, depth + 1, ev)) {
    if (const auto part = split_part(start, *sep, index, maxsplit)) out.push_back(*part);
  }
  return out;
}

// `platform, model, config = get_model_config(name)`: element `index` of what the project
// function called returns, each return a tuple naming it (owl's `return ModelPlatformType.OPENAI,
// ModelType.GPT_4O, {...}`). Empty when the callee is not a project function or a return is not
// such a tuple.
std::vector<std::string_view> returned_part_starts(TSNode call, int index, const Scope* scope, const Project* project,
                                                   int depth, Evaluator* ev) {
  const Syntax& S = Syntax::get();
  call = unparenthesize(call);
  if (!ev || depth > 4 || is_null(call) || sym(call) != S.call || index < 0) return {};
  std::vector<std::string_view> out;
  for (const Value& v : ev->eval(field(call, S.f_function), scope)) {
    const Scope* fn = v.function;
    if (v.kind != Value::Kind::Function || !fn || fn->is_async || fn->returns.empty() || !fn->owner) return {};
    for (TSNode r : fn->returns) {
      r = unparenthesize(r);
      if (sym(r) != S.expression_list && sym(r) != S.tuple) return {};
      const TSNode part = code_child(r, static_cast<uint32_t>(index));
      if (is_null(part) || code_child_count(r) <= static_cast<uint32_t>(index)) return {};
      const auto starts = model_starts(part, fn, fn->owner->code(), project, depth + 1, ev);
      if (starts.empty()) return {};
      out.insert(out.end(), starts.begin(), starts.end());
    }
  }
  return out;
}

// A name unpacked from `b.node`: a part of a split string, or of a returned tuple.
std::vector<std::string_view> element_starts(const Binding& b, std::string_view code, const Project* project, int depth,
                                             Evaluator* ev) {
  auto starts = split_part_starts(b.node, b.index, b.scope, code, project, depth, ev);
  return starts.empty() ? returned_part_starts(b.node, b.index, b.scope, project, depth, ev) : starts;
}

// `from config import MODEL` naming a project module: what MODEL's module-level assignments there
// start with (a settings module that names no library, parsed for it: frontend.cpp). Empty when
// the module is not the project's or any assignment is not such a string.
std::vector<std::string_view> imported_model_starts(const Binding& b, const Scope* scope, const Project* project, int depth);

// `x = None` / `self.model = None`: a placeholder until a branch names the model (a call sent
// with None fails), so it adds no value of its own; the names assigned decide.
bool holds_none(const Binding& b) {
  return b.kind == Binding::Kind::Expr && !is_null(b.node) && sym(unparenthesize(b.node)) == Syntax::get().none;
}

// `ModelPlatformType.OPENAI`: an attribute of a class some table lists in `model-enums` (the
// values of its receiver all that class), read as the member's name.
bool is_model_enum_member(const Values& receiver) {
  if (receiver.empty()) return false;
  const auto& libs = LibraryClientTable::get().libraries();
  return std::all_of(receiver.begin(), receiver.end(), [&](const Value& v) {
    return v.kind == Value::Kind::External && std::any_of(libs.begin(), libs.end(), [&](const ClientBuildingLibrary& l) {
             return std::find(l.model_enums.begin(), l.model_enums.end(), v.path) != l.model_enums.end();
           });
  });
}

// `self.model` in a method: what the class body assigns it (`model = "gpt-4o"`) and what every
// `self.model = ...` in its methods does, each of which must name a model; empty when any does
// not, or when the class assigns it nowhere (a base class's, or one set from outside).
std::vector<std::string_view> self_attribute_model_starts(TSNode n, const Scope* scope, std::string_view code,
                                                          const Project* project, int depth, Evaluator* ev) {
  const Syntax& S = Syntax::get();
  const TSNode object = unparenthesize(field(n, S.f_object)), attr = field(n, S.f_attribute);
  if (is_null(object) || is_null(attr) || sym(object) != S.identifier) return {};
  const std::string receiver(text(object, code)), name(text(attr, code));
  const ClassInfo* cls = nullptr;
  for (const Scope* s = scope; s; s = s->parent) {
    if (s->kind == Scope::Kind::Class || s->kind == Scope::Kind::Module) return {};
    if (s->method_of && !s->is_staticmethod && receiver == s->self_name) {
      cls = s->method_of;
      break;
    }
    if (s->bindings.contains(receiver)) return {};  // a local of that name shadows self
  }
  if (!cls || !cls->body) return {};
  std::vector<std::string_view> out;
  bool any = false;
  const auto add = [&](const std::vector<Binding>& bindings) {
    for (const Binding& b : bindings) {
      if (holds_none(b)) continue;
      any = true;
      // `self.model = model` in `__init__`: what the constructions pass (passed_model_starts).
      const auto starts = b.kind == Binding::Kind::Expr ? model_starts(b.node, b.scope, code, project, depth + 1, ev)
                                                        : std::vector<std::string_view>{};
      if (starts.empty()) return false;
      out.insert(out.end(), starts.begin(), starts.end());
    }
    return true;
  };
  if (const auto it = cls->body->bindings.find(name); it != cls->body->bindings.end() && !add(it->second)) return {};
  if (const auto it = cls->instance_attrs.find(name); it != cls->instance_attrs.end() && !add(it->second)) return {};
  return any ? out : std::vector<std::string_view>{};
}

std::vector<std::string_view> imported_model_starts(const Binding& b, const Scope* scope, const Project* project, int depth) {
  if (!project || !scope->owner || b.name.empty() || b.name == "*") return {};
  const std::string resolved = resolve_import(*project, *scope->owner, b.module, b.level);
  ModuleInfo* m = resolved.empty() ? nullptr : project->module(resolved);
  if (!m || m->scopes.empty()) return {};
  const auto it = m->module_scope()->bindings.find(b.name);
  if (it == m->module_scope()->bindings.end()) return {};
  std::vector<std::string_view> out;
  for (const Binding& there : it->second) {
    if (holds_none(there)) continue;
    const auto starts = there.kind == Binding::Kind::Expr ? model_starts(there.node, there.scope, m->code(), project, depth + 1)
                        : there.kind == Binding::Kind::ImportFrom ? imported_model_starts(there, m->module_scope(), project, depth + 1)
                                                                  : std::vector<std::string_view>{};
    if (starts.empty()) return {};
    out.insert(out.end(), starts.begin(), starts.end());
  }
  return out;
}

// `map(f, MODELS)`, `executor.map(f, MODELS)`, `pool.imap(f, MODELS)`: `handed` (f) is called
// with each element of MODELS, a list or tuple literal or a name bound only to such literals:
// those element nodes. Empty when `handed` is not a mapped function or the elements are not seen.
std::vector<std::pair<TSNode, const Scope*>> mapped_elements(TSNode handed, const Scope* scope) {
  const Syntax& S = Syntax::get();
  const TSNode args = ts_node_parent(handed);
  if (is_null(args) || sym(args) != S.argument_list || first_code_child(args).id != handed.id) return {};
  const TSNode call = ts_node_parent(args), callee = field(call, S.f_function);
  const std::string_view code = scope->owner->code();
  const TSNode name = sym(callee) == S.attribute ? field(callee, S.f_attribute) : callee;
  const std::string_view called = text(name, code);
  if (called != "map" && called != "imap" && called != "imap_unordered") return {};
  if (code_child_count(args) != 2) return {};
  TSNode iterable = unparenthesize(ts_node_next_named_sibling(handed));
  while (!is_null(iterable) && sym(iterable) == S.comment) iterable = ts_node_next_named_sibling(iterable);
  std::vector<std::pair<TSNode, const Scope*>> literals;
  if (!is_null(iterable) && (sym(iterable) == S.list || sym(iterable) == S.tuple)) {
    literals.emplace_back(iterable, scope);
  } else if (!is_null(iterable) && sym(iterable) == S.identifier) {
    const std::string var(text(iterable, code));
    for (const Scope* s = scope; s; s = s->parent) {
      const auto it = s->bindings.find(var);
      if (it == s->bindings.end()) continue;
      for (const Binding& b : it->second) {
        const TSNode v = b.kind == Binding::Kind::Expr && !is_null(b.node) ? unparenthesize(b.node) : TSNode{};
        if (is_null(v) || (sym(v) != S.list && sym(v) != S.tuple)) return {};
        literals.emplace_back(v, b.scope);
      }
      break;
    }
  }
  std::vector<std::pair<TSNode, const Scope*>> out;
  for (const auto& [literal, where] : literals)
    for (TSNode e : CodeChildren(literal)) {
      if (sym(e) == S.list_splat) return {};
      out.emplace_back(e, where);
    }
  return out;
}

// A parameter's model: what the calls of its function pass it (each read where it is), and, for
// its first parameter, each element it is mapped over (mapped_elements). A call passing a model
// known only at run time adds nothing: the others' still build what they name.
std::vector<std::string_view> passed_model_starts(Evaluator& ev, const Scope* fn, const Binding& parameter,
                                                  const Project* project, int depth) {
  std::vector<std::pair<TSNode, const Scope*>> passed = ev.arguments_passed(fn, parameter);
  if (const CallSites* sites = project ? project->call_sites() : nullptr; sites && !parameter.variadic)
    for (const auto& h : sites->handed(fn->name))
      for (const auto& v : ev.eval(h.node, h.scope))
        if (v.kind == Value::Kind::Function && v.function == fn) {
          if (parameter.index == (v.bound ? 1 : 0))
            for (auto& e : mapped_elements(h.node, h.scope)) passed.push_back(e);
          break;
        }
  std::vector<std::string_view> out;
  for (const auto& [arg, scope] : passed) {
    const auto starts = model_starts(arg, scope, scope->owner->code(), project, depth, &ev);
    out.insert(out.end(), starts.begin(), starts.end());
  }
  return out;
}

}  // namespace

std::vector<std::string_view> model_starts(TSNode n, const Scope* scope, std::string_view code, const Project* project,
                                          int depth, Evaluator* ev) {
  const Syntax& S = Syntax::get();
  n = unparenthesize(n);
  if (is_null(n) || depth > 4) return {};
  if (sym(n) == S.string) {
    uint32_t from = 0, to = 0;  // the contents before the first interpolation
    for (TSNode part : NamedChildren(n)) {
      if (sym(part) == S.interpolation) break;
      if (sym(part) != S.string_content) continue;
      if (from == to) from = start_byte(part);
      to = end_byte(part);
    }
    return {from == to ? std::string_view{} : code.substr(from, to - from)};
  }
  if (sym(n) == S.conditional_expression) {  // `a if c else b`: either
    const TSNode yes = ts_node_named_child(n, 0), condition = ts_node_named_child(n, 1), no = ts_node_named_child(n, 2);
    auto out = guarded_start(condition, yes, true, code);
    if (out.empty()) out = model_starts(yes, scope, code, project, depth + 1, ev);
    auto other = guarded_start(condition, no, false, code);
    if (other.empty()) other = model_starts(no, scope, code, project, depth + 1, ev);
    if (out.empty() || other.empty()) return {};
    out.insert(out.end(), other.begin(), other.end());
    return out;
  }
  if (sym(n) == S.concatenated_string) return model_starts(ts_node_named_child(n, 0), scope, code, project, depth + 1, ev);
  if (sym(n) == S.binary_operator) {
    const TSNode left = field(n, S.f_left), right = field(n, S.f_right);
    std::string_view op = code.substr(end_byte(left), start_byte(right) - end_byte(left));
    while (!op.empty() && (op.front() == ' ' || op.front() == '\t')) op.remove_prefix(1);
    return op.starts_with("+") && !op.starts_with("+=") ? model_starts(left, scope, code, project, depth + 1, ev) : std::vector<std::string_view>{};
  }
  if (sym(n) == S.attribute && scope) {
    if (ev && is_model_enum_member(ev->eval(field(n, S.f_object), scope))) return {text(field(n, S.f_attribute), code)};
    return self_attribute_model_starts(n, scope, code, project, depth, ev);
  }
  if (sym(n) == S.subscript)  // `name.split("/")[1]`
    return split_part_starts(field(n, S.f_value), small_integer(field(n, S.f_subscript), code), scope, code, project,
                             depth, ev);
  if (sym(n) != S.identifier || !scope) return {};
  const std::string name(text(n, code));
  bool first = true;
  for (const Scope* s = scope; s; s = s->parent) {
    if (s->kind == Scope::Kind::Class && !first) continue;  // class bodies: their own statements only
    first = false;
    const auto it = s->bindings.find(name);
    if (it == s->bindings.end()) continue;
    std::vector<std::string_view> out;
    for (const Binding& b : it->second) {
      if (holds_none(b)) continue;
      const auto starts = b.kind == Binding::Kind::Expr         ? model_starts(b.node, b.scope, code, project, depth + 1, ev)
                          : b.kind == Binding::Kind::Element    ? element_starts(b, code, project, depth, ev)
                          : b.kind == Binding::Kind::ImportFrom ? imported_model_starts(b, s, project, depth + 1)
                          : b.kind == Binding::Kind::Param && ev ? passed_model_starts(*ev, s, b, project, depth + 1)
                                                                : std::vector<std::string_view>{};
      if (starts.empty()) return {};
      out.insert(out.end(), starts.begin(), starts.end());
    }
    return out;
  }
  return {};
}

namespace {

// What the dotted `path` of a dict holds, as model_starts reads it, each step read by
// keyed_values (python/dict_keys.h). A dict that visibly lacks a step gives `absent` (the
// library's default; "" decides nothing). Empty when any way the dict is built is not read: a
// dict filled in later, or built elsewhere, decides nothing.
std::vector<std::string_view> dict_path_starts(TSNode d, const Scope* scope, std::string_view path,
                                               std::string_view absent, Evaluator& ev, int depth = 0) {
  if (depth > 4) return {};
  const auto dot = path.find('.');
  const std::string_view key = path.substr(0, dot);
  const std::string_view rest = dot == std::string_view::npos ? std::string_view{} : path.substr(dot + 1);
  std::vector<std::string_view> out;
  for (const KeyedValue& v : keyed_values(d, scope, key)) {
    if (v.kind == KeyedValue::Kind::Unseen || (v.kind == KeyedValue::Kind::Absent && absent.empty())) return {};
    const auto starts = v.kind == KeyedValue::Kind::Absent ? std::vector<std::string_view>{absent}
                        : rest.empty() ? model_starts(v.node, v.scope, v.scope->owner->code(), &ev.project(), 1, &ev)
                                       : dict_path_starts(v.node, v.scope, rest, absent, ev, depth + 1);
    if (starts.empty()) return {};
    out.insert(out.end(), starts.begin(), starts.end());
  }
  return out;
}

}  // namespace

std::vector<std::string_view> call_model_starts(TSNode call, const Scope* scope, std::string_view code, int index,
                                               std::string_view name, Evaluator& ev) {
  const Syntax& S = Syntax::get();
  if (TSNode arg = ev.argument_node(call, scope, index, name); !is_null(arg))
    return model_starts(arg, scope, code, &ev.project(), 0, &ev);
  // `**params`, a local dict naming the key.
  TSNode args = field(call, S.f_arguments), splat{};
  if (is_null(args) || sym(args) != S.argument_list) return {};
  for (TSNode a : CodeChildren(args))
    if (sym(a) == S.dictionary_splat) {
      if (!is_null(splat)) return {};  // several: which one names it is not read here
      splat = a;
    }
  const TSNode var = is_null(splat) ? splat : unparenthesize(ts_node_named_child(splat, 0));
  if (is_null(var) || sym(var) != S.identifier) return {};
  return dict_path_starts(var, scope, name, {}, ev);
}

std::vector<std::string_view> keyed_model_starts(TSNode call, const Scope* scope, int index,
                                                std::string_view name, std::string_view path,
                                                std::string_view absent, Evaluator& ev) {
  const TSNode arg = ev.argument_node(call, scope, index, name);
  return is_null(arg) ? std::vector<std::string_view>{} : dict_path_starts(arg, scope, path, absent, ev);
}

}  // namespace qg::python
