// Narrowing a scan to what a commit or a branch changes.
//
// --staged: the staged content of staged files (index blobs, not the working tree), so that a
// bypass staged and "fixed" only in the working tree is still caught and a clean staged version
// passes however dirty the working tree. Only staged files are read: cross-module resolution sees
// just them (a client made by a project function in an unstaged module is "unresolved"), the
// trade-off that keeps a pre-commit run in milliseconds.
//
// --changed-since REV: the working-tree content of files changed since the merge-base of REV and
// HEAD (a pull request's files), with the same trade-off.
#pragma once

#include <string>

#include "scan/scanner.h"

namespace qg::git {

// Fill options.files (and, for --staged, options.reader) from git. Files keep the scan's
// config, excludes and root-relative paths; files outside options.paths are left out. Without
// paths, the scope is the whole working tree (options.paths becomes its top level, where the
// config is looked for). Throw UsageError (not a repository, unknown REV, git missing).
void scope_to_staged(ScanOptions& options);
void scope_to_changed_since(ScanOptions& options, const std::string& rev);

}  // namespace qg::git
