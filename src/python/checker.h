// Turns a collected module into findings, call sites and client sites.
#pragma once

#include "core/finding.h"
#include "python/evaluator.h"

namespace qg::python {

FileResult check_module(ModuleInfo& module, Evaluator& evaluator, const Project& project);

}  // namespace qg::python
