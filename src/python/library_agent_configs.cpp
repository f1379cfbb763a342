// Which configurations an AutoGen 0.2 / AG2 call takes, and whether any builds an OpenAI client
// (library_arguments.h: agent_builds_openai).
#include <algorithm>
#include <tuple>
#include <utility>

#include "python/dict_keys.h"
#include "python/library_arguments.h"
#include "python/syntax.h"

namespace qg::python {

namespace {

// What a `**` splat unpacks under `key` (python/dict_keys.h), and the scope it is read in: the
// first value found (h2ogpt's `H2OConversableAgent(name, **code_writer_kwargs)`,
// `code_writer_kwargs = dict(..., llm_config={...})`); null when none is seen.
std::pair<TSNode, const Scope*> splatted(TSNode expr, const Scope* scope, std::string_view key) {
  for (const KeyedValue& v : keyed_values(expr, scope, key))
    if (v.kind == KeyedValue::Kind::Found) return {v.node, v.scope};
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
        if (const auto found = splatted(ts_node_named_child(a, 0), scope, lib.config_keyword); !is_null(found.first)) {
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
