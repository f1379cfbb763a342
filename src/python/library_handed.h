// What a call into a client-building library is handed through one of its client keywords
// (`http_client=`, `client=`, ...), or what an AutoGen configuration entry holds under one
// (`"http_client": ...`): a tracked client or HTTP client, a plain one, or something judged
// where it is built. library_clients.cpp and library_configs.cpp decide QG010 with it.
#pragma once

#include <cstdint>
#include <string_view>

#include "python/evaluator.h"

namespace qg::python {

enum class Handed : uint8_t { Nothing, Plain, Tracked, Other };

// One value handed over: Tracked for a factory's client or a `quotaguard.*` call's
// (`instrument_http_client(...)`, `openai_client()`), Plain for None, a string (a provider's
// name) or a visibly plain HTTP client (`httpx.Client(...)`), a name by what every assignment of
// it holds, else Other.
Handed handed_value(TSNode arg, const Scope* scope, Evaluator& ev, int depth = 0);

// What `call` passes through keyword `keyword` (Nothing: it passes none).
Handed handed(TSNode call, const Scope* scope, Evaluator& ev, std::string_view keyword);

// Whether `call` may pass keyword `name`: by name, or through a `**` splat not seen to leave it
// out. A splat of a name (or `self.NAME`) whose every assignment is a dict literal with plain
// keys, or a comprehension over the enclosing function's own `**kwargs` (`{k: v for k, v in
// kwargs.items() if ...}`) whose seen callers pass no such keyword, leaves out what it does not
// name (python/library_splats.cpp).
bool may_pass_keyword(TSNode call, const Scope* scope, std::string_view name, Evaluator& ev);

}  // namespace qg::python
