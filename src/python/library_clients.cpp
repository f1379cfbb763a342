#include "python/library_clients.h"

#include <algorithm>

#include "core/text_search.h"
#include "python/rules_toml.h"
#include "python/syntax.h"

namespace qg::python {

namespace {

constexpr std::string_view kFile = "python/library-clients.toml";
// What hooks every openai client's construction (python/quotaguard/_install.py).
constexpr std::string_view kInstallerModule = "quotaguard", kInstallerName = "install";
constexpr std::string_view kInstaller = "quotaguard.install";
constexpr std::string_view kApiPrefix = "library.";  // + the library's id: its coverage key
// HTTP clients that are visibly plain where they are handed over (the http_client= keywords).
constexpr std::string_view kPlainHttpClients[] = {"httpx.Client", "httpx.AsyncClient", "openai.DefaultHttpxClient",
                                                  "openai.DefaultAsyncHttpxClient"};

bool is_quotaguard(std::string_view path) { return path == "quotaguard" || path.starts_with("quotaguard."); }

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
  if (sym(object) != S.identifier || text(object, code) != text(branch, code) || ts_node_named_child_count(args) != 1) return {};
  const TSNode prefix = ts_node_named_child(args, 0);
  if (sym(prefix) != S.string || ts_node_named_child_count(prefix) != 3) return {};  // start, one content, end
  const TSNode content = ts_node_named_child(prefix, 1);
  if (sym(content) != S.string_content) return {};
  return {text(content, code)};
}

// What a model argument is known to start with, once per value it may hold: a plain literal's
// whole text, an f-string's or a `+` concatenation's text before the first thing computed, a
// name whose every binding in the scope that sees it is such a string (`lm_name =
// f"openai/{model}"`), or `self.model` whose every assignment in its class is one. Empty when any value is unknown (a parameter, a call, a config lookup):
// a model chosen at run time may go to another provider, so it decides nothing.
std::vector<std::string_view> model_starts(TSNode n, const Scope* scope, std::string_view code, const Project* project,
                                          int depth = 0);
// `from config import MODEL` naming a project module: what MODEL's module-level assignments there
// start with (a settings module that names no library, parsed for it: frontend.cpp). Empty when
// the module is not the project's or any assignment is not such a string.
std::vector<std::string_view> imported_model_starts(const Binding& b, const Scope* scope, const Project* project, int depth);

// `x = None` / `self.model = None`: a placeholder until a branch names the model (a call sent
// with None fails), so it adds no value of its own; the names assigned decide.
bool holds_none(const Binding& b) {
  return b.kind == Binding::Kind::Expr && !is_null(b.node) && sym(unparenthesize(b.node)) == Syntax::get().none;
}

// `self.model` in a method: what the class body assigns it (`model = "gpt-4o"`) and what every
// `self.model = ...` in its methods does, each of which must name a model; empty when any does
// not, or when the class assigns it nowhere (a base class's, or one set from outside).
std::vector<std::string_view> self_attribute_model_starts(TSNode n, const Scope* scope, std::string_view code,
                                                          const Project* project, int depth) {
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
      const auto starts = b.kind == Binding::Kind::Expr ? model_starts(b.node, b.scope, code, project, depth + 1)
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

std::vector<std::string_view> model_starts(TSNode n, const Scope* scope, std::string_view code, const Project* project,
                                          int depth) {
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
    if (out.empty()) out = model_starts(yes, scope, code, project, depth + 1);
    auto other = guarded_start(condition, no, false, code);
    if (other.empty()) other = model_starts(no, scope, code, project, depth + 1);
    if (out.empty() || other.empty()) return {};
    out.insert(out.end(), other.begin(), other.end());
    return out;
  }
  if (sym(n) == S.concatenated_string) return model_starts(ts_node_named_child(n, 0), scope, code, project, depth + 1);
  if (sym(n) == S.binary_operator) {
    const TSNode left = field(n, S.f_left), right = field(n, S.f_right);
    std::string_view op = code.substr(end_byte(left), start_byte(right) - end_byte(left));
    while (!op.empty() && (op.front() == ' ' || op.front() == '\t')) op.remove_prefix(1);
    return op.starts_with("+") && !op.starts_with("+=") ? model_starts(left, scope, code, project, depth + 1) : std::vector<std::string_view>{};
  }
  if (sym(n) == S.attribute && scope) return self_attribute_model_starts(n, scope, code, project, depth);
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
      const auto starts = b.kind == Binding::Kind::Expr         ? model_starts(b.node, b.scope, code, project, depth + 1)
                          : b.kind == Binding::Kind::ImportFrom ? imported_model_starts(b, s, project, depth + 1)
                                                                : std::vector<std::string_view>{};
      if (starts.empty()) return {};
      out.insert(out.end(), starts.begin(), starts.end());
    }
    return out;
  }
  return {};
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

enum class Handed : uint8_t { Nothing, Plain, Tracked, Other };

Handed handed_value(TSNode arg, const Scope* scope, Evaluator& ev, int depth);

// A name handed over: what every assignment of it in the nearest scope that binds it holds
// (`http_client = None`, then `http_client = httpx.AsyncClient(proxies=...)`): plain when each
// is plain or None, tracked when any is tracked, else judged where it is built.
Handed handed_name(TSNode name, const Scope* scope, Evaluator& ev, int depth) {
  const std::string key(text(name, scope->owner->code()));
  for (const Scope* s = scope; s; s = s->parent) {
    auto it = s->bindings.find(key);
    if (it == s->bindings.end()) continue;
    bool all_plain = !it->second.empty();
    for (const Binding& b : it->second) {
      if (b.kind != Binding::Kind::Expr || is_null(b.node)) return Handed::Other;  // a parameter, a loop, ...
      const Handed h = handed_value(b.node, b.scope, ev, depth + 1);
      if (h == Handed::Tracked) return Handed::Tracked;
      all_plain &= h == Handed::Plain;
    }
    return all_plain ? Handed::Plain : Handed::Other;
  }
  return Handed::Other;
}

// What one value handed through a client keyword is.
Handed handed_value(TSNode arg, const Scope* scope, Evaluator& ev, int depth) {
  const Syntax& S = Syntax::get();
  arg = unparenthesize(arg);
  if (sym(arg) == S.none) return Handed::Plain;  // none: the library builds its own default
  if (sym(arg) == S.identifier && depth < 4) {
    const Handed named = handed_name(arg, scope, ev, depth);
    if (named != Handed::Other) return named;
  }
  if (sym(arg) == S.call) {
    const CallOutcome o = ev.classify_call(arg, scope);
    if (o.kind == CallOutcome::Kind::FactoryCall) return Handed::Tracked;
    for (const Value& callee : ev.eval(field(arg, S.f_function), scope)) {
      if (callee.kind != Value::Kind::External) continue;
      if (is_quotaguard(callee.path)) return Handed::Tracked;  // instrument_http_client(...), openai_client()
      if (std::find(std::begin(kPlainHttpClients), std::end(kPlainHttpClients), callee.path) !=
          std::end(kPlainHttpClients))
        return Handed::Plain;
    }
  }
  for (const Value& v : ev.eval(arg, scope))
    if (v.kind == Value::Kind::Factory || (v.kind == Value::Kind::Client && v.prov == Provenance::Factory))
      return Handed::Tracked;
  // A client constructed outside the factory is that construction's QG001; anything else is
  // judged where it is built.
  return Handed::Other;
}

// What a call passes through one of the library's client keywords.
Handed handed(TSNode call, const Scope* scope, Evaluator& ev, std::string_view keyword) {
  TSNode arg = ev.argument_node(call, scope, -1, keyword);
  if (is_null(arg)) return Handed::Nothing;
  return handed_value(arg, scope, ev, 0);
}

// One of `fix-arguments`: text with `{module.name}` references, split into pieces.
FixArgument fix_argument(const RulesReader& r, const std::string& text) {
  FixArgument pieces;
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t open = text.find('{', at), close = text.find('}', at);
    if (open == std::string::npos) {
      if (close != std::string::npos) r.fail("fix-arguments", "has a `}` without its `{`");
      pieces.push_back({text.substr(at), std::nullopt});
      break;
    }
    if (close == std::string::npos || close < open) r.fail("fix-arguments", "has a `{` without its `}`");
    const std::string reference = text.substr(open + 1, close - open - 1);
    const std::size_t dot = reference.rfind('.');
    if (dot == std::string::npos || dot == 0 || dot + 1 == reference.size())
      r.fail("fix-arguments", fmt::format("names `{{{}}}`, not `{{module.name}}`", reference));
    pieces.push_back({text.substr(at, open - at), FactoryFunction{reference.substr(0, dot), reference.substr(dot + 1)}});
    at = close + 1;
  }
  return pieces;
}

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

// The value of key `key` in a dict literal (null when it holds none).
TSNode dict_value(TSNode dict, std::string_view key, std::string_view code) {
  const Syntax& S = Syntax::get();
  for (TSNode pair : NamedChildren(dict))
    if (sym(pair) == S.pair)
      if (const auto k = literal_text(field(pair, S.f_key), code); k && *k == key) return field(pair, S.f_value);
  return TSNode{};
}

// The project whose modules a configuration's imported names are read from (set by
// library_client_call for the call it judges; each checking thread judges its own calls).
thread_local const Project* config_project = nullptr;

// `from llm_config import config_list` naming a project module: its module-level bindings of the
// name (with that module's code); nullopt when the module is not the project's (or not parsed).
std::optional<std::pair<const std::vector<Binding>*, std::string_view>> imported_bindings(const Binding& b,
                                                                                         const Scope* scope) {
  if (!config_project || !scope->owner || b.name.empty() || b.name == "*") return std::nullopt;
  const std::string resolved = resolve_import(*config_project, *scope->owner, b.module, b.level);
  ModuleInfo* m = resolved.empty() ? nullptr : config_project->module(resolved);
  if (!m || m->scopes.empty()) return std::nullopt;
  const auto it = m->module_scope()->bindings.find(b.name);
  if (it == m->module_scope()->bindings.end()) return std::nullopt;
  return std::pair{&it->second, m->code()};
}

// AutoGen 0.2 (`config-gated`): whether a configuration (`llm_config=...`) builds an OpenAI
// client. OpenAIWrapper builds `OpenAI(...)` / `AzureOpenAI(...)` for every entry of its
// `config_list` (or the dict itself when it has none) unless the entry names `model_client_cls`
// (a custom client) or an `api_type` starting with one of `other-api-types`; an entry inherits
// the dict's own `api_type`. `False` / `None` / an empty list build none; anything not visible
// here (a parameter, `config_list_from_json(...)`, a call) is taken to be OpenAI, the default.
bool config_builds_openai(TSNode n, const Scope* scope, std::string_view code, const ClientBuildingLibrary& lib,
                          int depth, std::optional<bool> base_other = std::nullopt);

// A name: whether any assignment of it, in the nearest scope that binds it (or, imported from a
// project module, at that module's level), holds what `builds` says builds an OpenAI client
// (each with the code it is in); true when one is not an assignment (a parameter, a loop) or the
// name is bound nowhere seen.
template <typename Builds>
bool any_binding_builds(TSNode n, const Scope* scope, std::string_view code, Builds builds) {
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

bool name_builds_openai(TSNode n, const Scope* scope, std::string_view code, const ClientBuildingLibrary& lib, int depth,
                        std::optional<bool> base_other) {
  return any_binding_builds(n, scope, code, [&](TSNode v, const Scope* in, std::string_view c) {
    return config_builds_openai(v, in, c, lib, depth + 1, base_other);
  });
}

// One entry of a `config_list` (or a whole dict without one): nullopt when it is not a visible
// dict (decided by the caller), else whether it goes to another API.
bool entry_is_other(TSNode dict, std::string_view code, const ClientBuildingLibrary& lib, std::optional<bool> base_other,
                    bool& unknown) {
  if (!is_null(dict_value(dict, "model_client_cls", code))) return true;
  const TSNode api_type = dict_value(dict, "api_type", code);
  if (is_null(api_type)) {
    if (base_other) return *base_other;
    return false;
  }
  const auto type = literal_text(api_type, code);
  if (!type) {
    unknown = true;
    return false;
  }
  return std::any_of(lib.other_api_types.begin(), lib.other_api_types.end(),
                     [&](const std::string& p) { return type->starts_with(p); });
}

bool list_builds_openai(TSNode n, const Scope* scope, std::string_view code, const ClientBuildingLibrary& lib, int depth,
                        std::optional<bool> base_other) {
  const Syntax& S = Syntax::get();
  n = unparenthesize(n);
  if (is_null(n) || depth > 6) return true;
  if (sym(n) == S.identifier)
    return any_binding_builds(n, scope, code, [&](TSNode v, const Scope* in, std::string_view c) {
      return list_builds_openai(v, in, c, lib, depth + 1, base_other);
    });
  if (sym(n) != S.list && sym(n) != S.tuple) return true;  // config_list_from_json(...), a filter, ...
  for (TSNode element : NamedChildren(n)) {
    element = unparenthesize(element);
    if (sym(element) == S.comment) continue;
    if (sym(element) == S.dictionary) {
      if (config_builds_openai(element, scope, code, lib, depth + 1, base_other)) return true;
    } else if (sym(element) == S.identifier) {
      if (name_builds_openai(element, scope, code, lib, depth + 1, base_other)) return true;
    } else {
      return true;
    }
  }
  return false;
}

bool config_builds_openai(TSNode n, const Scope* scope, std::string_view code, const ClientBuildingLibrary& lib,
                          int depth, std::optional<bool> base_other) {
  const Syntax& S = Syntax::get();
  n = unparenthesize(n);
  if (is_null(n)) return false;
  if (depth > 6) return true;
  if (sym(n) == S.false_ || sym(n) == S.none) return false;
  if (sym(n) == S.identifier) return name_builds_openai(n, scope, code, lib, depth, base_other);
  if (sym(n) == S.conditional_expression)
    return config_builds_openai(ts_node_named_child(n, 0), scope, code, lib, depth + 1, base_other) ||
           config_builds_openai(ts_node_named_child(n, 2), scope, code, lib, depth + 1, base_other);
  if (sym(n) == S.call) {
    // AG2's `LLMConfig({"api_type": "google", ...}, ...)` / `LLMConfig(api_type="google", ...)` /
    // `LLMConfig(config_list=[...])`: each positional dict an entry, or its keywords one entry.
    const std::string_view callee = text(field(n, S.f_function), code);
    const TSNode args = field(n, S.f_arguments);
    if (!(callee == "LLMConfig" || callee.ends_with(".LLMConfig")) || is_null(args) || sym(args) != S.argument_list)
      return true;  // `dict(...)`, `config_list_from_json(...)`, ...
    bool positional = false;
    std::optional<bool> keywords_other;
    for (TSNode a : NamedChildren(args)) {
      if (sym(a) == S.comment) continue;
      if (sym(a) == S.keyword_argument) {
        const std::string_view name = text(field(a, S.f_name), code);
        const TSNode value = field(a, S.f_value);
        if (name == "config_list") return list_builds_openai(value, scope, code, lib, depth + 1, base_other);
        if (name == "api_type") {
          const auto type = literal_text(value, code);
          if (!type) return true;
          keywords_other = std::any_of(lib.other_api_types.begin(), lib.other_api_types.end(),
                                       [&](const std::string& p) { return type->starts_with(p); });
        }
        continue;
      }
      if (sym(a) == S.dictionary_splat || sym(a) == S.list_splat) return true;
      positional = true;
      if (config_builds_openai(a, scope, code, lib, depth + 1, base_other)) return true;
    }
    return positional ? false : !keywords_other.value_or(false);
  }
  if (sym(n) != S.dictionary) return true;  // a subscript, a comprehension, ...
  bool unknown = false, splat = false;
  for (TSNode part : NamedChildren(n))
    if (sym(part) == S.dictionary_splat) {
      splat = true;
      if (config_builds_openai(ts_node_named_child(part, 0), scope, code, lib, depth + 1, base_other)) return true;
    }
  const bool this_other = entry_is_other(n, code, lib, base_other, unknown);
  if (unknown) return true;
  const TSNode config_list = dict_value(n, "config_list", code);
  if (!is_null(config_list)) return list_builds_openai(config_list, scope, code, lib, depth + 1, this_other);
  if (splat) return false;  // (what the splat holds decided)
  return !this_other;
}

// Whether a call passes keyword `name` (or a `**kwargs` that might hold it).
bool passes_keyword(TSNode call, std::string_view name, std::string_view code) {
  const Syntax& S = Syntax::get();
  const TSNode args = field(call, S.f_arguments);
  if (is_null(args) || sym(args) != S.argument_list) return false;
  for (TSNode a : NamedChildren(args)) {
    if (sym(a) == S.dictionary_splat) return true;
    if (sym(a) == S.keyword_argument && text(field(a, S.f_name), code) == name) return true;
  }
  return false;
}

// Whether `fix-arguments` can be added to `call`: none of the keywords it would clash with.
bool takes_fix_arguments(TSNode call, const ClientBuildingLibrary& lib, std::string_view code) {
  const Syntax& S = Syntax::get();
  if (lib.fix_arguments.empty()) return false;
  TSNode args = field(call, S.f_arguments);
  if (is_null(args) || sym(args) != S.argument_list) return false;  // `f(x for x in y)`
  for (TSNode a : NamedChildren(args)) {
    if (sym(a) == S.dictionary_splat || sym(a) == S.list_splat) return false;
    if (sym(a) != S.keyword_argument) continue;
    const std::string_view name = text(field(a, S.f_name), code);
    auto named = [&](const std::vector<std::string>& keywords) {
      return std::find(keywords.begin(), keywords.end(), name) != keywords.end();
    };
    if (named(lib.tracked_by) || named(lib.fix_unless)) return false;
  }
  return true;
}

bool defines_method(const ClassInfo& cls, std::string_view name) {
  if (!cls.body) return false;
  const auto it = cls.body->bindings.find(std::string(name));
  return it != cls.body->bindings.end() &&
         std::any_of(it->second.begin(), it->second.end(), [](const Binding& b) { return b.kind == Binding::Kind::Function; });
}

// Whether project classes derived from a library class whose client is built only when it sends
// (`sent-by`: `__call__` -> `request` -> `basic_request`) still send through it. chain[0] is
// the class called, chain.back() the one naming the library class as its base. They do unless
// they override the first method and no method of theirs reaches one of them in the library:
// `self.request` with `request` overridden nowhere in the chain, `super().__call__` with no
// override below its class, or any other object's (`dspy.OpenAI.__call__(self, ...)`).
bool sends_through_library(const std::vector<const ClassInfo*>& chain, const std::vector<std::string>& sent_by) {
  const Syntax& S = Syntax::get();
  const auto overridden = [&](std::size_t from, std::string_view name) {
    return std::any_of(chain.begin() + static_cast<std::ptrdiff_t>(from), chain.end(),
                       [&](const ClassInfo* c) { return defines_method(*c, name); });
  };
  if (!overridden(0, sent_by.front())) return true;
  for (std::size_t i = 0; i < chain.size(); ++i) {
    const ClassInfo& c = *chain[i];
    if (!c.defined_in || !c.defined_in->owner || is_null(c.node)) return true;
    const std::string_view code = c.defined_in->owner->code();
    bool reaches = false;
    ts::walk(c.node, [&](TSNode n) {
      if (reaches) return false;
      if (sym(n) != S.attribute) return true;
      const std::string_view name = text(field(n, S.f_attribute), code);
      if (std::find(sent_by.begin(), sent_by.end(), name) == sent_by.end()) return true;
      const TSNode object = unparenthesize(field(n, S.f_object));
      if (sym(object) == S.identifier && text(object, code) == "self") reaches = !overridden(0, name);
      else if (sym(object) == S.call && text(field(object, S.f_function), code) == "super") reaches = !overridden(i + 1, name);
      else reaches = true;
      return !reaches;
    });
    if (reaches) return true;
  }
  return false;
}

// The table entry a project class derives from (`class Patched(OpenAI)`: it builds the same
// client), through project bases; nullptr when none does, or when the classes between override
// how a `sent-by` library sends and never reach it (sends_through_library).
const LibraryClientTable::Entry* derived_entry(const LibraryClientTable& table, const ClassInfo& cls, Evaluator& ev,
                                               std::vector<const ClassInfo*>& chain) {
  if (chain.size() > 8) return nullptr;  // a cycle of project classes (code that fails at import)
  chain.push_back(&cls);
  const LibraryClientTable::Entry* out = nullptr;
  for (TSNode base : cls.bases) {
    for (const Value& v : ev.eval(base, cls.defined_in)) {
      if (v.kind == Value::Kind::External)
        if (const auto* e = table.entry(v.path))
          if (e->model_gated || e->returns_client || e->library->sent_by.empty() ||
              sends_through_library(chain, e->library->sent_by))
            out = e;
      if (!out && v.kind == Value::Kind::Class && v.cls) out = derived_entry(table, *v.cls, ev, chain);
      if (out) break;
    }
    if (out) break;
  }
  chain.pop_back();
  return out;
}

const LibraryClientTable::Entry* derived_entry(const LibraryClientTable& table, const ClassInfo& cls, Evaluator& ev) {
  std::vector<const ClassInfo*> chain;
  return derived_entry(table, cls, ev, chain);
}

// `[table.<key>.<id>]` subtables (`holders`, `defaults`): `read(id, its reader)` for each.
template <typename Read>
void each_subtable(const RulesReader& r, const toml::table& table, std::string_view key, Read read) {
  const toml::node* sub = table.get(key);
  if (!sub) return;
  if (!sub->is_table()) r.fail(key, "must be a table");
  for (auto&& [id, node] : *sub->as_table()) {
    const std::string where = fmt::format("{}.{}", key, id.str());
    if (!node.is_table()) r.fail(where, "must be a table");
    read(id.str(), RulesReader(*node.as_table(), r.where() + " " + where));
  }
}

}  // namespace

const FactoryFunction& tracking_installer() {
  static const FactoryFunction installer{std::string(kInstallerModule), std::string(kInstallerName)};
  return installer;
}

LibraryClientTable LibraryClientTable::from_text(std::string_view toml_text) {
  LibraryClientTable t;
  enum class Kind { constructor, gated, returns_client, config_gated, uses_default, builds_default };
  StringMap<std::vector<const DefaultSlot*>> slot_of;
  StringMap<std::pair<std::size_t, Kind>> by_library;  // (libs_ settles before pointing into it)
  const toml::table root = parse_rules_toml(toml_text, kFile);
  for (auto&& [id, node] : root) {
    const std::string where = fmt::format("{} [{}]", kFile, id.str());
    if (!node.is_table()) throw std::runtime_error(fmt::format("rules/{} must be a table", where));
    const RulesReader r(*node.as_table(), where);
    ClientBuildingLibrary lib;
    lib.id = std::string(id.str());
    lib.package = r.string("package", true);
    lib.display_name = r.string("display-name", true);
    lib.openai_models = r.strings("openai-models");
    lib.model_keyword = r.string("model-keyword");
    lib.tracked_by = r.strings("tracked-by");
    lib.how = r.string("how", true);
    for (const std::string& argument : r.strings("fix-arguments")) lib.fix_arguments.push_back(fix_argument(r, argument));
    lib.fix_unless = r.strings("fix-unless");
    lib.sent_by = r.strings("sent-by");
    lib.config_keyword = r.string("config-keyword");
    lib.other_api_types = r.strings("other-api-types");
    const auto constructors = r.strings("constructors");
    const auto gated = r.strings("model-gated");
    const auto returning = r.strings("returns-client");
    const auto config_gated = r.strings("config-gated");
    if (!config_gated.empty() && lib.config_keyword.empty()) r.fail("config-keyword", "is needed by `config-gated`");
    bool any_default = false;
    each_subtable(r, *node.as_table(), "defaults", [&](std::string_view id, const RulesReader& dr) {
      DefaultSlot& slot = t.slot_storage_.emplace_back();
      slot.id = std::string(id);
      slot.keywords = dr.strings("keywords");
      slot.set_by = dr.strings("set-by");
      slot.receiver_keywords = dr.strings("receiver-keywords");
      if (slot.keywords.empty()) dr.fail("keywords", "is missing");
      t.slots_.push_back(&slot);
      for (const auto& [list, kind] : {std::pair{"uses", Kind::uses_default}, std::pair{"builds", Kind::builds_default}})
        for (const auto& name : dr.strings(list)) {
          by_library[name] = {t.libs_.size(), kind};
          slot_of[name].push_back(&slot);
          any_default = true;
        }
    });
    if (const toml::node* instances = node.as_table()->get("instances")) {
      if (!instances->is_table()) r.fail("instances", "must be a table");
      for (auto&& [callable, cls] : *instances->as_table()) {
        if (!cls.is_string()) r.fail("instances." + std::string(callable.str()), "must be a string");
        t.instances_[std::string(callable.str())] = std::string(cls.value_or(std::string_view{}));
      }
    }
    if (constructors.empty() && gated.empty() && returning.empty() && config_gated.empty() && !any_default)
      r.fail("constructors", "is empty, and so are `model-gated` and `returns-client`");
    if (!gated.empty() && lib.openai_models.empty()) r.fail("openai-models", "is needed by `model-gated`");
    if (!lib.model_keyword.empty() && gated.empty()) r.fail("model-keyword", "is only read for `model-gated`");
    if (!lib.sent_by.empty() && constructors.empty()) r.fail("sent-by", "is only read for `constructors`");
    for (const auto& name : constructors) by_library[name] = {t.libs_.size(), Kind::constructor};
    for (const auto& name : gated) by_library[name] = {t.libs_.size(), Kind::gated};
    for (const auto& name : returning) by_library[name] = {t.libs_.size(), Kind::returns_client};
    for (const auto& name : config_gated) by_library[name] = {t.libs_.size(), Kind::config_gated};
    each_subtable(r, *node.as_table(), "holders", [&](std::string_view id, const RulesReader& hr) {
      Holder holder;
      holder.id = std::string(id);
      holder.parameters = hr.strings("parameters");
      holder.client = hr.string("client", true);
      holder.client_attribute = hr.string("client-attribute", true);
      const auto names = hr.strings("names");
      if (names.empty()) hr.fail("names", "is missing");
      for (const auto& n : names) t.holder_names_.emplace(n, t.holders_.size());
      t.holders_.push_back(std::move(holder));
    });
    t.words_.push_back(lib.package);
    t.libs_.push_back(std::move(lib));
  }
  for (const auto& [name, at] : by_library) {
    Entry e{&t.libs_[at.first], at.second == Kind::gated, at.second == Kind::returns_client,
            at.second == Kind::config_gated};
    if (at.second == Kind::uses_default || at.second == Kind::builds_default) {
      e.slots = slot_of.at(name);
      e.builds_default = at.second == Kind::builds_default;
    }
    t.entries_[name] = e;
  }
  t.words_.emplace_back(kInstaller.substr(0, kInstaller.find('.')));  // where install() is called
  std::sort(t.words_.begin(), t.words_.end());
  t.words_.erase(std::unique(t.words_.begin(), t.words_.end()), t.words_.end());
  return t;
}

const LibraryClientTable& LibraryClientTable::get() {
  static const LibraryClientTable table = from_text(embedded_rule_file(kFile));
  return table;
}

const ClientBuildingLibrary* LibraryClientTable::library_of_api(std::string_view api) const {
  for (const ClientBuildingLibrary& lib : libs_)
    if (api.starts_with(kApiPrefix) && api.substr(kApiPrefix.size()) == lib.id) return &lib;
  return nullptr;
}

const std::string* LibraryClientTable::instance_of(std::string_view qualified) const {
  const auto it = instances_.find(qualified);
  return it == instances_.end() ? nullptr : &it->second;
}

const LibraryClientTable::Entry* LibraryClientTable::entry(std::string_view qualified) const {
  const auto it = entries_.find(qualified);
  return it == entries_.end() ? nullptr : &it->second;
}

const Holder* LibraryClientTable::holder(std::string_view qualified) const {
  const auto it = holder_names_.find(qualified);
  return it == holder_names_.end() ? nullptr : &holders_[it->second];
}

std::optional<LibraryClientCall> library_client_call(TSNode call, const Scope* scope, Evaluator& ev,
                                                     std::string_view code) {
  const Syntax& S = Syntax::get();
  const LibraryClientTable& table = LibraryClientTable::get();
  TSNode callee = field(call, S.f_function);
  // The callee may hold several classes (`cls = pick(provider)`): report it only when each one
  // it may hold builds an OpenAI client; a dispatch that may pick another provider's class (or a
  // project class not derived from one) is judged like a model held in a variable: not reported.
  const LibraryClientTable::Entry* hit = nullptr;
  for (const Value& v : ev.eval(callee, scope)) {
    const LibraryClientTable::Entry* e = v.kind == Value::Kind::External ? table.entry(v.path)
                                         : v.kind == Value::Kind::Class && v.cls ? derived_entry(table, *v.cls, ev)
                                                                                 : nullptr;
    if (e) hit = hit ? hit : e;
    else if (v.kind == Value::Kind::External || v.kind == Value::Kind::Class) return std::nullopt;
  }
  if (!hit) return std::nullopt;
  const ClientBuildingLibrary& lib = *hit->library;
  if (hit->model_gated) {
    // Every value the model may hold names an OpenAI model.
    const auto starts = model_starts(lib.model_keyword.empty() ? ev.argument_node(call, scope, 0, "model")
                                                               : ev.argument_node(call, scope, -1, lib.model_keyword),
                                     scope, code, &ev.project());
    const auto openai = [&](std::string_view start) {
      return std::any_of(lib.openai_models.begin(), lib.openai_models.end(), [&](const std::string& p) { return start.starts_with(p); });
    };
    if (starts.empty() || !std::all_of(starts.begin(), starts.end(), openai)) return std::nullopt;
  }
  if (hit->config_gated) {
    config_project = &ev.project();
    const bool openai = config_builds_openai(ev.argument_node(call, scope, -1, lib.config_keyword), scope, code, lib, 0);
    config_project = nullptr;
    if (!openai) return std::nullopt;
  }
  if (!hit->slots.empty()) {
    // Falls back on a default: one it is not handed (an LLM, a service context) and, for `uses`,
    // the project sets nowhere.
    // The objects the method is called on (`index` in `index.as_query_engine()`), as built.
    Values receivers;
    if (sym(callee) == S.attribute) receivers = ev.eval(field(callee, S.f_object), scope);
    const bool falls_back = std::any_of(hit->slots.begin(), hit->slots.end(), [&](const DefaultSlot* slot) {
      for (const auto& keyword : slot->keywords)
        if (passes_keyword(call, keyword, code)) return false;
      for (const Value& r : receivers)
        if (r.kind == Value::Kind::Object && !is_null(r.node) && r.scope && r.scope->owner)
          for (const auto& keyword : slot->receiver_keywords)
            if (passes_keyword(r.node, keyword, r.scope->owner->code())) return false;
      return hit->builds_default || !ev.project().sets_default(slot->id, scope->owner ? std::string_view(scope->owner->name) : std::string_view{});
    });
    if (!falls_back) return std::nullopt;
  }
  LibraryClientCall out{&lib, std::string(text(callee, code)), std::string(kApiPrefix) + lib.id, false};
  for (const auto& keyword : lib.tracked_by) {
    switch (handed(call, scope, ev, keyword)) {
      case Handed::Tracked: out.tracked = true; return out;
      case Handed::Other: return std::nullopt;
      case Handed::Nothing:
      case Handed::Plain: break;
    }
  }
  out.arguments_fixable = takes_fix_arguments(call, lib, code);
  return out;
}

bool holds_library_client_class(const Values& values, Evaluator& ev) {
  const LibraryClientTable& table = LibraryClientTable::get();
  return std::any_of(values.begin(), values.end(), [&](const Value& v) {
    return (v.kind == Value::Kind::External && table.entry(v.path)) ||
           (v.kind == Value::Kind::Class && v.cls && derived_entry(table, *v.cls, ev));
  });
}

std::vector<std::string> model_source_modules(const ModuleInfo& module, Evaluator& ev) {
  const Syntax& S = Syntax::get();
  const LibraryClientTable& table = LibraryClientTable::get();
  const std::string_view code = module.code();
  // A name bound by `from ... import` in the scopes that see it: the only kind worth the callee's
  // evaluation (most calls pass none).
  const auto imported = [&](TSNode n, const Scope* scope) {
    n = unparenthesize(n);
    if (is_null(n) || sym(n) != S.identifier) return false;
    const std::string name(text(n, code));
    for (const Scope* s = scope; s; s = s->parent)
      if (const auto it = s->bindings.find(name); it != s->bindings.end())
        return std::any_of(it->second.begin(), it->second.end(),
                           [](const Binding& b) { return b.kind == Binding::Kind::ImportFrom; });
    return false;
  };
  std::vector<std::string> out;
  // The project modules the names in `n` are imported from (`{"config_list": config_list}`, a
  // model name).
  const auto imported_modules = [&](TSNode n, const Scope* scope) {
    ts::walk(n, [&](TSNode id) {
      if (sym(id) != S.identifier) return true;
      const std::string name(text(id, code));
      for (const Scope* s = scope; s; s = s->parent) {
        const auto it = s->bindings.find(name);
        if (it == s->bindings.end()) continue;
        for (const Binding& b : it->second)
          if (b.kind == Binding::Kind::ImportFrom && s->owner) {
            std::string resolved = resolve_import(ev.project(), *s->owner, b.module, b.level);
            if (!resolved.empty()) out.push_back(std::move(resolved));
          }
        break;
      }
      return true;
    });
  };
  std::vector<std::string_view> config_keywords;
  for (const ClientBuildingLibrary& lib : table.libraries())
    if (!lib.config_keyword.empty()) config_keywords.push_back(lib.config_keyword);
  for (const auto& [call, scope] : module.calls) {
    const TSNode args = field(call, S.f_arguments);
    if (is_null(args)) continue;
    // `AssistantAgent(..., llm_config={"config_list": config_list})`, config_list imported.
    for (TSNode arg : NamedChildren(args)) {
      if (sym(arg) != S.keyword_argument) continue;
      const std::string_view keyword = text(field(arg, S.f_name), code);
      if (std::find(config_keywords.begin(), config_keywords.end(), keyword) == config_keywords.end()) continue;
      for (const Value& v : ev.eval(field(call, S.f_function), scope)) {
        const LibraryClientTable::Entry* e = v.kind == Value::Kind::External ? table.entry(v.path)
                                             : v.kind == Value::Kind::Class && v.cls ? derived_entry(table, *v.cls, ev)
                                                                                     : nullptr;
        if (e && e->config_gated && e->library->config_keyword == keyword) imported_modules(field(arg, S.f_value), scope);
      }
    }
    bool any = false;
    for (TSNode arg : NamedChildren(args))
      if (imported(sym(arg) == S.keyword_argument ? field(arg, S.f_value) : arg, scope)) {
        any = true;
        break;
      }
    if (!any) continue;
    const ClientBuildingLibrary* lib = nullptr;
    for (const Value& v : ev.eval(field(call, S.f_function), scope))
      if (v.kind == Value::Kind::External)
        if (const auto* e = table.entry(v.path); e && e->model_gated) lib = e->library;
    if (!lib) continue;
    const TSNode model = unparenthesize(lib->model_keyword.empty() ? ev.argument_node(call, scope, 0, "model")
                                                                   : ev.argument_node(call, scope, -1, lib->model_keyword));
    if (is_null(model) || sym(model) != S.identifier) continue;
    imported_modules(model, scope);
  }
  return out;
}

bool project_installs_tracking(const std::vector<ModuleInfo*>& modules, Evaluator& ev) {
  const Syntax& S = Syntax::get();
  for (ModuleInfo* m : modules) {
    if (m->vendored || m->scopes.empty() || !contains_word(m->code(), "install")) continue;
    for (const auto& [call, scope] : m->calls)
      for (const Value& callee : ev.eval(field(call, S.f_function), scope))
        if (callee.kind == Value::Kind::External && callee.path == kInstaller) return true;
  }
  return false;
}

std::vector<std::pair<const ModuleInfo*, std::string>> default_settings(const std::vector<ModuleInfo*>& modules,
                                                                        Evaluator& ev) {
  const Syntax& S = Syntax::get();
  const LibraryClientTable& table = LibraryClientTable::get();
  std::vector<std::pair<const ModuleInfo*, std::string>> out;
  if (table.slots().empty()) return out;
  StringMap<std::vector<std::string>> setters;  // qualified -> slot ids
  for (const DefaultSlot* slot : table.slots())
    for (const auto& name : slot->set_by) setters[name].push_back(slot->id);
  const ModuleInfo* current = nullptr;
  const auto note = [&](const Values& values) {
    for (const Value& v : values)
      if (v.kind == Value::Kind::External)
        if (const auto it = setters.find(v.path); it != setters.end())
          for (const auto& id : it->second) {
            std::pair<const ModuleInfo*, std::string> set{current, id};
            if (std::find(out.begin(), out.end(), set) == out.end()) out.push_back(std::move(set));
          }
  };
  for (ModuleInfo* m : modules) {
    if (m->vendored || m->scopes.empty()) continue;
    current = m;
    // `Settings.llm = Ollama(...)`: the object evaluates to the library's, with the attribute.
    for (const auto& store : m->attribute_stores) {
      if (setters.empty()) break;
      Values object = ev.eval(store.object, store.scope);
      note(ev.attribute(object, store.name));
    }
    // `set_global_service_context(...)`, `Settings.llm.__set__`... : a call of a setter.
    for (const auto& [call, scope] : m->calls) {
      const TSNode callee = field(call, S.f_function);
      if (is_null(callee)) continue;
      const std::string_view last = sym(callee) == S.attribute ? text(field(callee, S.f_attribute), m->code())
                                                               : text(callee, m->code());
      bool named = false;
      for (const auto& [name, slot] : setters) {
        (void)slot;
        if (name.ends_with(last) && (name.size() == last.size() || name[name.size() - last.size() - 1] == '.')) {
          named = true;
          break;
        }
      }
      if (named) note(ev.eval(callee, scope));
    }
  }
  return out;
}

}  // namespace qg::python
