// Turns a collected module into findings, call sites and client sites.
#pragma once

#include "core/finding.h"
#include "python/evaluator.h"
#include "python/library_clients.h"
#include "python/library_runs.h"

namespace qg::python {

// `defaults`: what the whole project does to the libraries' default clients (library_runs.h);
// `installs_tracking`: it calls quotaguard.install(), which tracks every client the process builds.
FileResult check_module(ModuleInfo& module, Evaluator& evaluator, const Project& project,
                        const LibraryDefaults& defaults, bool installs_tracking);

}  // namespace qg::python
