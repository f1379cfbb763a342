// A partial scan (--staged, --changed-since, pre-commit) reads only some files, and the one
// `quotaguard.install()` that tracks every library-built client is usually in a file it did not
// read (where the application starts). Without it every QG010 of the files read would be a false
// alarm. So when a file read builds a library client and none read installs tracking, the
// project's other Python files are searched: read for the words `quotaguard` and `install`, and
// the few that have both parsed on their own (they are never reported on).
#pragma once

#include <vector>

#include "core/config.h"
#include "core/discovery.h"
#include "python/library_runs.h"
#include "python/module.h"

namespace qg::python {

// Whether any of `modules` names a library that builds OpenAI clients
// (rules/python/library-clients/): only then is an install() elsewhere worth looking for.
bool mentions_client_building_library(const std::vector<ModuleInfo*>& modules);

// What install() found elsewhere means for the libraries whose default client it tracks (the
// Agents SDK: QG009).
void count_as_installed(LibraryDefaults& defaults);

// Whether one of `files` (other languages and vendored files are skipped) calls
// `quotaguard.install()`.
bool other_files_install_tracking(const std::vector<DiscoveredFile>& files, const Config& config);

}  // namespace qg::python
