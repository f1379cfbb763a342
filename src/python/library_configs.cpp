// AutoGen configurations that build an OpenAI client (library_arguments.h).
#include <algorithm>
#include <optional>

#include "python/library_arguments.h"
#include "python/library_handed.h"
#include "python/syntax.h"

namespace qg::python {

namespace {

// A plain string literal's text (`"google"`); nullopt for anything else (an f-string, a name).
std::optional<std::string_view> literal_text(TSNode n, std::string_view code) {
  const Syntax& S = Syntax::get();
  n = unparenthesize(n);
  if (is_null(n) || sym(n) != S.string) return std::nullopt;
  std::optional<std::string_view> out;
  for (TSNode part : NamedChildren(n)) {
    if (sym(part) == S.interpolation) return std::nullopt;
    if (sym(part) == S.string_content) {
      if (out) return std::nullopt;
      out = text(part, code);
    }
  }
  return out ? out : std::optional<std::string_view>{std::string_view{}};
}

// The value of key `key` in a dict literal, or of keyword `key` in an argument list (OpenAIWrapper's
// keywords are its configuration); null when it holds none.
TSNode dict_value(TSNode dict, std::string_view key, std::string_view code) {
  const Syntax& S = Syntax::get();
  for (TSNode pair : NamedChildren(dict)) {
    if (sym(pair) == S.pair)
      if (const auto k = literal_text(field(pair, S.f_key), code); k && *k == key) return field(pair, S.f_value);
    if (sym(pair) == S.keyword_argument && text(field(pair, S.f_name), code) == key) return field(pair, S.f_value);
  }
  return TSNode{};
}

// Reads a library's configurations in one project: names imported from the project's modules
// are followed there (with that module's code).
class ConfigReader {
 public:
  ConfigReader(Evaluator& ev, const ClientBuildingLibrary& lib) : ev_(ev), project_(ev.project()), lib_(lib) {}

  // What an entry inherits from the configuration around it (`{"config_list": [...], "api_type":
  // ..., "http_client": ...}`: OpenAIWrapper merges the outer keys into each entry): whether it
  // goes to another API (nullopt: not said), whether its HTTP client is tracked.
  struct Base {
    std::optional<bool> other;
    bool tracked;  // (value-initialized: false)
  };

  // Whether a configuration builds an OpenAI client (see config_builds_openai in the header).
  // OpenAIWrapper builds `OpenAI(...)` / `AzureOpenAI(...)` for every entry of its `config_list`
  // (or the dict itself when it has none) unless the entry names `model_client_cls` (a custom
  // client) or an `api_type` starting with one of `other-api-types`; an entry inherits the
  // dict's own `api_type`. `False` / `None` / an empty list build none; anything not visible
  // here (a parameter, `config_list_from_json(...)`, a call) is taken to be OpenAI, the default.
  bool builds_openai(TSNode n, const Scope* scope, std::string_view code, int depth,
                     Base base = {}) const;
  // Whether `n` (a with-item's value) holds a configuration: a call of one of `config-contexts`,
  // or a name every assignment of which (in the nearest scope that binds it, or at the level of
  // the project module it is imported from) is one.
  bool holds_config(TSNode n, const Scope* scope, Evaluator& ev, int depth) const;

 private:
  // `from llm_config import config_list` naming a project module: its module-level bindings of
  // the name (with that module's code); nullopt when the module is not the project's (or not parsed).
  std::optional<std::pair<const std::vector<Binding>*, std::string_view>> imported_bindings(const Binding& b,
                                                                                           const Scope* scope) const {
    if (!scope->owner || b.name.empty() || b.name == "*") return std::nullopt;
    const std::string resolved = resolve_import(project_, *scope->owner, b.module, b.level);
    ModuleInfo* m = resolved.empty() ? nullptr : project_.module(resolved);
    if (!m || m->scopes.empty()) return std::nullopt;
    const auto it = m->module_scope()->bindings.find(b.name);
    if (it == m->module_scope()->bindings.end()) return std::nullopt;
    return std::pair{&it->second, m->code()};
  }

  // A name: whether any assignment of it, in the nearest scope that binds it (or, imported from
  // a project module, at that module's level), holds what `builds` says builds an OpenAI client
  // (each with the code it is in); true when one is not an assignment (a parameter, a loop) or
  // the name is bound nowhere seen.
  template <typename Builds>
  bool any_binding_builds(TSNode n, const Scope* scope, std::string_view code, Builds builds) const {
    const std::string name(text(n, code));
    for (const Scope* s = scope; s; s = s->parent) {
      const auto it = s->bindings.find(name);
      if (it == s->bindings.end()) continue;
      for (const Binding& b : it->second) {
        if (b.kind == Binding::Kind::ImportFrom) {
          const auto imported = imported_bindings(b, s);
          if (!imported) return true;
          for (const Binding& i : *imported->first)
            if (i.kind != Binding::Kind::Expr || is_null(i.node) || builds(i.node, i.scope, imported->second)) return true;
          continue;
        }
        if (b.kind != Binding::Kind::Expr || is_null(b.node) || builds(b.node, b.scope, code)) return true;
      }
      return false;
    }
    return true;
  }

  bool name_builds_openai(TSNode n, const Scope* scope, std::string_view code, int depth,
                          Base base) const {
    return any_binding_builds(n, scope, code, [&](TSNode v, const Scope* in, std::string_view c) {
      return builds_openai(v, in, c, depth + 1, base);
    });
  }

  bool other_api_type(std::string_view type) const {
    return std::any_of(lib_.other_api_types.begin(), lib_.other_api_types.end(),
                       [&](const std::string& p) { return type.starts_with(p); });
  }

  // One entry of a `config_list` (or a whole dict without one): whether it goes to another API;
  // `unknown` when its api_type is not visible.
  bool entry_is_other(TSNode dict, std::string_view code, const Base& base, bool& unknown) const {
    if (!is_null(dict_value(dict, "model_client_cls", code))) return true;
    const TSNode api_type = dict_value(dict, "api_type", code);
    if (is_null(api_type)) return base.other.value_or(false);
    const auto type = literal_text(api_type, code);
    if (!type) {
      unknown = true;
      return false;
    }
    return other_api_type(*type);
  }

  bool list_builds_openai(TSNode n, const Scope* scope, std::string_view code, int depth,
                          Base base) const;
  // A call of one project function (or method) returning its configuration (`def get_config():
  // return {"config_list": [{..., "api_type": "groq"}]}`, or its `config_list`; the fifteenth
  // held-out round): whether any of its returns, read by `reads` in its own module, builds an
  // OpenAI client; nullopt when the callee is not one project function with a return.
  template <typename Reads>
  std::optional<bool> any_return_builds(TSNode call, const Scope* scope, Reads reads) const {
    const Values callees = ev_.eval(field(call, Syntax::get().f_function), scope);
    if (callees.size() != 1 || callees[0].kind != Value::Kind::Function || !callees[0].function) return std::nullopt;
    const Scope* fn = callees[0].function;
    if (fn->returns.empty() || !fn->owner) return std::nullopt;
    for (TSNode r : fn->returns)
      if (reads(r, fn, fn->owner->code())) return true;
    return false;
  }
  // AG2's `LLMConfig({"api_type": "google", ...}, ...)` / `LLMConfig(api_type="google", ...)` /
  // `LLMConfig(config_list=[...])`: each positional dict an entry, or its keywords one entry.
  bool llm_config_builds_openai(TSNode call, const Scope* scope, std::string_view code, int depth,
                                Base base) const;

  // Whether an entry's (or the whole configuration's) HTTP client is tracked: its own key of
  // `entry-tracked-by` (`"http_client": quotaguard.instrument_http_client(...)`), which OpenAIWrapper
  // hands its OpenAI client (an OpenAI keyword); nullopt when it holds none of them.
  std::optional<bool> entry_tracked(TSNode dict, const Scope* scope, std::string_view code) const {
    for (const std::string& key : lib_.entry_tracked_by)
      if (const TSNode value = dict_value(dict, key, code); !is_null(value))
        return handed_value(value, scope, ev_) == Handed::Tracked;
    return std::nullopt;
  }

  Evaluator& ev_;
  const Project& project_;
  const ClientBuildingLibrary& lib_;
};

bool ConfigReader::list_builds_openai(TSNode n, const Scope* scope, std::string_view code, int depth,
                                      Base base) const {
  const Syntax& S = Syntax::get();
  n = unparenthesize(n);
  if (is_null(n) || depth > 6) return true;
  if (sym(n) == S.identifier)
    return any_binding_builds(n, scope, code, [&](TSNode v, const Scope* in, std::string_view c) {
      return list_builds_openai(v, in, c, depth + 1, base);
    });
  if (sym(n) == S.call)
    if (const auto returned = any_return_builds(n, scope, [&](TSNode r, const Scope* in, std::string_view c) {
          return list_builds_openai(r, in, c, depth + 1, base);
        }))
      return *returned;
  if (sym(n) != S.list && sym(n) != S.tuple) return true;  // config_list_from_json(...), a filter, ...
  for (TSNode element : NamedChildren(n)) {
    element = unparenthesize(element);
    if (sym(element) == S.comment) continue;
    if (sym(element) == S.dictionary) {
      if (builds_openai(element, scope, code, depth + 1, base)) return true;
    } else if (sym(element) == S.identifier) {
      if (name_builds_openai(element, scope, code, depth + 1, base)) return true;
    } else {
      return true;
    }
  }
  return false;
}

bool ConfigReader::llm_config_builds_openai(TSNode call, const Scope* scope, std::string_view code, int depth,
                                            Base base) const {
  const Syntax& S = Syntax::get();
  const std::string_view callee = text(field(call, S.f_function), code);
  const TSNode args = field(call, S.f_arguments);
  if (!(callee == "LLMConfig" || callee.ends_with(".LLMConfig")) || is_null(args) || sym(args) != S.argument_list)
    return true;  // `dict(...)`, `config_list_from_json(...)`, ...
  bool positional = false;
  std::optional<bool> keywords_other;
  for (TSNode a : CodeChildren(args)) {
    if (sym(a) == S.comment) continue;
    if (sym(a) == S.keyword_argument) {
      const std::string_view name = text(field(a, S.f_name), code);
      const TSNode value = field(a, S.f_value);
      if (name == "config_list") return list_builds_openai(value, scope, code, depth + 1, base);
      if (name == "api_type") {
        const auto type = literal_text(value, code);
        if (!type) return true;
        keywords_other = other_api_type(*type);
      }
      continue;
    }
    if (sym(a) == S.dictionary_splat || sym(a) == S.list_splat) return true;
    positional = true;
    if (builds_openai(a, scope, code, depth + 1, base)) return true;
  }
  return positional ? false
                    : !keywords_other.value_or(false) && !entry_tracked(args, scope, code).value_or(base.tracked);
}

bool ConfigReader::builds_openai(TSNode n, const Scope* scope, std::string_view code, int depth,
                                 Base base) const {
  const Syntax& S = Syntax::get();
  n = unparenthesize(n);
  if (is_null(n)) return false;
  if (depth > 6) return true;
  if (sym(n) == S.false_ || sym(n) == S.none) return false;
  if (sym(n) == S.identifier) return name_builds_openai(n, scope, code, depth, base);
  if (sym(n) == S.conditional_expression)
    return builds_openai(ts_node_named_child(n, 0), scope, code, depth + 1, base) ||
           builds_openai(ts_node_named_child(n, 2), scope, code, depth + 1, base);
  if (sym(n) == S.call) {
    if (const auto returned = any_return_builds(n, scope, [&](TSNode r, const Scope* in, std::string_view c) {
          return builds_openai(r, in, c, depth + 1, base);
        }))
      return *returned;
    return llm_config_builds_openai(n, scope, code, depth, base);
  }
  if (sym(n) != S.dictionary && sym(n) != S.argument_list) return true;  // a subscript, a comprehension, ...
  bool unknown = false, splat = false;
  // (its own HTTP client, also over one a splat holds: `{**llm_config, "http_client": ...}`)
  const bool this_tracked = entry_tracked(n, scope, code).value_or(base.tracked);
  for (TSNode part : CodeChildren(n))
    if (sym(part) == S.list_splat) {
      return true;  // `OpenAIWrapper(*args)`: not visible
    } else if (sym(part) == S.dictionary_splat) {
      splat = true;
      if (builds_openai(ts_node_named_child(part, 0), scope, code, depth + 1, Base{base.other, this_tracked})) return true;
    }
  const bool this_other = entry_is_other(n, code, base, unknown);
  if (unknown) return true;
  const TSNode config_list = dict_value(n, "config_list", code);
  if (!is_null(config_list)) return list_builds_openai(config_list, scope, code, depth + 1, Base{this_other, this_tracked});
  if (splat) return false;  // (what the splat holds decided)
  return !this_other && !this_tracked;
}

bool ConfigReader::holds_config(TSNode n, const Scope* scope, Evaluator& ev, int depth) const {
  const Syntax& S = Syntax::get();
  n = unparenthesize(n);
  if (is_null(n) || depth > 6 || !scope || !scope->owner) return false;
  if (sym(n) == S.call) {
    const Values callees = ev.eval(field(n, S.f_function), scope);
    return std::any_of(callees.begin(), callees.end(), [&](const Value& v) {
      return v.kind == Value::Kind::External &&
             std::find(lib_.config_contexts.begin(), lib_.config_contexts.end(), v.path) != lib_.config_contexts.end();
    });
  }
  if (sym(n) != S.identifier) return false;
  const std::string name(text(n, scope->owner->code()));
  for (const Scope* s = scope; s; s = s->parent) {
    const auto it = s->bindings.find(name);
    if (it == s->bindings.end()) continue;
    bool all = !it->second.empty();
    for (const Binding& b : it->second) {
      if (b.kind == Binding::Kind::ImportFrom) {
        const auto imported = imported_bindings(b, s);
        if (!imported || imported->first->empty()) return false;
        for (const Binding& i : *imported->first)
          all = all && i.kind == Binding::Kind::Expr && holds_config(i.node, i.scope, ev, depth + 1);
        continue;
      }
      all = all && b.kind == Binding::Kind::Expr && holds_config(b.node, b.scope, ev, depth + 1);
    }
    return all;
  }
  return false;
}

}  // namespace

TSNode context_config(TSNode call, const Scope* scope, Evaluator& ev, const ClientBuildingLibrary& lib) {
  const Syntax& S = Syntax::get();
  if (lib.config_contexts.empty()) return TSNode{};
  const ConfigReader reader(ev, lib);
  TSNode out{};
  // The with-item's value (`with llm_config as cfg:`: the part before `as`), when it holds one.
  const auto item_config = [&](TSNode item) {
    TSNode value = field(item, S.f_value);
    if (!is_null(value) && sym(value) == S.as_pattern)
      for (TSNode c : NamedChildren(value))
        if (sym(c) != S.as_pattern_target) {
          value = c;
          break;
        }
    return reader.holds_config(value, scope, ev, 0) ? value : TSNode{};
  };
  TSNode from = call;
  for (TSNode n = ts_node_parent(call); !is_null(n) && is_null(out); from = n, n = ts_node_parent(n)) {
    const TSSymbol k = sym(n);
    // A function or class defined in the block runs its body later, outside it.
    if (k == S.function_definition || k == S.lambda || k == S.class_definition) break;
    if (k != S.with_statement || !ts_node_eq(field(n, S.f_body), from)) continue;
    for (TSNode c : NamedChildren(n)) {
      if (ts_node_eq(c, from)) continue;
      if (sym(c) == S.with_item) out = item_config(c);
      else
        for (TSNode item : NamedChildren(c))
          if (is_null(out) && sym(item) == S.with_item) out = item_config(item);
      if (!is_null(out)) break;
    }
  }
  return out;
}

bool config_builds_openai(TSNode config, const Scope* scope, std::string_view code, const ClientBuildingLibrary& lib,
                          Evaluator& ev) {
  return ConfigReader(ev, lib).builds_openai(config, scope, code, 0);
}

}  // namespace qg::python
