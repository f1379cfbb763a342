// Which factory a client kind is rewritten to, and whether the construction's arguments go with it.
#pragma once

#include <optional>
#include <string>

#include "core/config.h"
#include "core/finding.h"

namespace qg {

struct FactoryTarget {
  FactoryFunction function;
  bool keep_arguments = true;  // false: the factory takes no arguments (pass-arguments = false)
};

struct FactoryChoice {
  std::optional<FactoryTarget> target;
  std::string reason;          // why there is none: "no factory configured for azure clients"
};

// A config that names any factory is taken at its word: a kind it leaves out is not fixable
// (rewriting it to the quotaguard package would mix two tracking layers behind the team's back).
// A config that names none gets the shipped quotaguard package, which takes the SDK's arguments;
// for a call through openai's module-level client (module_client) its shared client.
FactoryChoice choose_factory(const FactoryConfig& config, ClientKind kind, bool module_client = false);

}  // namespace qg
