// What a dict expression holds under a key, read from the code that builds it: a dict literal,
// `dict(...)`, `x.copy()`, or a name (or `self.NAME`) whose every assignment is read the same
// way. Library entry points are handed their configuration this way (`**llm_config`,
// `config={"embedder": {...}}`); library_agent_configs.cpp, library_model_names.cpp and
// library_splats.cpp each apply their own policy to what is read here.
#pragma once

#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "python/module.h"

namespace qg::python {

// The values `expr` (a name, or `self.NAME` in a method) is assigned, each with the scope it is
// read in; nullopt when it has none seen here. A binding that is not an assignment (a
// parameter, a loop target, an import) gives a null node.
std::optional<std::vector<std::pair<TSNode, const Scope*>>> assigned_values(TSNode expr, const Scope* scope);

struct KeyedValue {
  enum class Kind { Found, Absent, Unseen };
  Kind kind;
  TSNode node{};          // Found: the value under the key; Unseen: the expression not read
  const Scope* scope{};   // where `node` is read
};

// What dict `d` holds under `key`, one entry per way `d` may be built. Absent: a dict built
// visibly without it; Unseen: one not read here (a parameter, `{**base}` or a computed key
// without it, a call of anything but `dict`/`.copy()`, a comprehension).
std::vector<KeyedValue> keyed_values(TSNode d, const Scope* scope, std::string_view key, int depth = 0);

}  // namespace qg::python
