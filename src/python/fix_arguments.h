// pass-arguments = false: may a construction's arguments be dropped without changing the client?
// Only arguments that restate the SDK's own defaults may (the key from the environment variable
// the SDK reads anyway, max_retries=2, timeout=600); anything else is what the fix would lose.
#pragma once

#include <string>
#include <vector>

#include "core/finding.h"
#include "python/fix_imports.h"
#include "python/syntax.h"

namespace qg::python {

struct ArgumentVerdict {
  bool safe = true;
  std::string lost;  // "base_url=settings.partner_gateway_url, timeout=5" when not safe
};

ArgumentVerdict judge_dropped_arguments(const Tree& tree, TSNode argument_list, ClientKind kind,
                                        const std::vector<ImportBinding>& imports);

}  // namespace qg::python
