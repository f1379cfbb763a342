// Which configurations an AutoGen 0.2 / AG2 call takes, and whether any builds an OpenAI client
// (library_arguments.h: agent_builds_openai).
#include <algorithm>

#include "python/library_arguments.h"
#include "python/syntax.h"

namespace qg::python {

bool agent_builds_openai(const LibraryClientTable::Entry& entry, TSNode call, const Scope* scope, Evaluator& ev,
                         std::string_view code, bool direct) {
  const Syntax& S = Syntax::get();
  const ClientBuildingLibrary& lib = *entry.library;
  const TSNode config = entry.config_arguments ? field(call, S.f_arguments)
                                               : ev.argument_node(call, scope, direct ? entry.config_position : -1,
                                                                  lib.config_keyword);
  const bool from_context = direct && entry.config_context && (is_null(config) || sym(unparenthesize(config)) == S.none);
  if (from_context ? context_builds_openai(call, scope, ev, lib, code)
                   : config_builds_openai(config, scope, code, lib, ev))
    return true;
  // ReasoningAgent builds its grader on `grader_llm_config if grader_llm_config else llm_config`:
  // one given (not None, not False) builds a client of its own; none falls back on the above.
  return std::any_of(entry.more_configs.begin(), entry.more_configs.end(), [&](const auto& more) {
    const TSNode given = ev.argument_node(call, scope, direct ? more.second : -1, more.first);
    return !is_null(given) && config_builds_openai(given, scope, code, lib, ev);
  });
}

}  // namespace qg::python
