// Which configurations an AutoGen 0.2 / AG2 call takes, and whether any builds an OpenAI client
// (library_arguments.h: agent_builds_openai).
#include <algorithm>
#include <tuple>
#include <utility>

#include "python/library_arguments.h"
#include "python/syntax.h"

namespace qg::python {

namespace {

// What a `**` splat unpacks under `key`, and the scope it is read in: a dict literal's value, a
// `dict(key=...)` keyword's, or those of what a name is assigned (in the scope that sees it) or a
// `.copy()` / `dict(x)` is made from (h2ogpt's `H2OConversableAgent(name, **code_writer_kwargs)`,
// `code_writer_kwargs = dict(..., llm_config={...})`); the first found, null when none is seen.
std::pair<TSNode, const Scope*> splatted(TSNode expr, const Scope* scope, std::string_view key, int depth) {
  const Syntax& S = Syntax::get();
  if (depth > 4 || !scope || !scope->owner) return {};
  const std::string_view code = scope->owner->code();
  expr = unparenthesize(expr);
  if (sym(expr) == S.dictionary) {
    for (TSNode pair : NamedChildren(expr))
      if (sym(pair) == S.pair)
        if (const auto k = plain_string(field(pair, S.f_key), code); k && *k == key) return {field(pair, S.f_value), scope};
    return {};
  }
  if (sym(expr) == S.call) {
    const TSNode function = field(expr, S.f_function), args = field(expr, S.f_arguments);
    if (is_null(args) || sym(args) != S.argument_list) return {};
    if (sym(function) == S.attribute && text(field(function, S.f_attribute), code) == "copy" &&
        code_child_count(args) == 0)
      return splatted(field(function, S.f_object), scope, key, depth + 1);
    if (sym(function) != S.identifier || text(function, code) != "dict") return {};
    for (TSNode a : CodeChildren(args)) {
      if (sym(a) == S.keyword_argument) {
        if (text(field(a, S.f_name), code) == key) return {field(a, S.f_value), scope};
      } else if (sym(a) != S.dictionary_splat && sym(a) != S.list_splat) {
        if (const auto found = splatted(a, scope, key, depth + 1); !is_null(found.first)) return found;
      }
    }
    return {};
  }
  if (sym(expr) != S.identifier) return {};
  const std::string name(text(expr, code));
  for (const Scope* s = scope; s; s = s->parent) {
    const auto it = s->bindings.find(name);
    if (it == s->bindings.end()) continue;
    for (const Binding& b : it->second)
      if (b.kind == Binding::Kind::Expr && !is_null(b.node))
        if (const auto found = splatted(b.node, b.scope, key, depth + 1); !is_null(found.first)) return found;
    break;
  }
  return {};
}

}  // namespace

bool agent_builds_openai(const LibraryClientTable::Entry& entry, TSNode call, const Scope* scope, Evaluator& ev,
                         std::string_view code, bool direct) {
  const Syntax& S = Syntax::get();
  const ClientBuildingLibrary& lib = *entry.library;
  TSNode config = entry.config_arguments ? field(call, S.f_arguments)
                                         : ev.argument_node(call, scope, direct ? entry.config_position : -1,
                                                            lib.config_keyword);
  const Scope* config_scope = scope;
  // Handed none by name: one a `**` splat holds (`**code_writer_kwargs`).
  if (is_null(config) && !entry.config_arguments && !is_null(field(call, S.f_arguments)))
    for (TSNode a : CodeChildren(field(call, S.f_arguments)))
      if (sym(a) == S.dictionary_splat && ts_node_named_child_count(a) > 0)
        if (const auto found = splatted(ts_node_named_child(a, 0), scope, lib.config_keyword, 0); !is_null(found.first)) {
          std::tie(config, config_scope) = found;
          break;
        }
  const bool from_context = direct && entry.config_context && (is_null(config) || sym(unparenthesize(config)) == S.none);
  if (from_context ? context_builds_openai(call, scope, ev, lib, code)
                   : config_builds_openai(config, config_scope, config_scope->owner->code(), lib, ev))
    return true;
  // ReasoningAgent builds its grader on `grader_llm_config if grader_llm_config else llm_config`:
  // one given (not None, not False) builds a client of its own; none falls back on the above.
  return std::any_of(entry.more_configs.begin(), entry.more_configs.end(), [&](const auto& more) {
    const TSNode given = ev.argument_node(call, scope, direct ? more.second : -1, more.first);
    return !is_null(given) && config_builds_openai(given, scope, code, lib, ev);
  });
}

}  // namespace qg::python
