// Turns a collected module into findings, call sites and client sites.
#pragma once

#include "core/finding.h"
#include "python/evaluator.h"
#include "python/library_runs.h"

namespace qg::python {

// `defaults`: what the whole project does to the libraries' default clients (library_runs.h).
FileResult check_module(ModuleInfo& module, Evaluator& evaluator, const Project& project,
                        const LibraryDefaults& defaults);

}  // namespace qg::python
