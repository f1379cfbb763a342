// How `quotaguard fix` rewrites Python sites: a QG001 construction becomes a call of the factory
// for its client kind, a QG002 module-client call goes through `<sync factory>()`; the factory is
// imported once where a person would put it and openai imports left unused are removed. The
// fixed file must parse with no more errors than before.
#pragma once

#include <memory>

#include "core/fix_plan.h"
#include "core/source_text.h"

namespace qg::python {

std::unique_ptr<FixPlanner> make_fix_planner(const SourceText& source, const FixPolicy& policy);

}  // namespace qg::python
