// Where the project sets a library default (`Settings.llm = ...`: python/library_clients.h
// default_settings) and where each setting holds: in the module setting it, in the parsed
// modules importing it (transitively) and in what each of those imports; everywhere when a file
// that was not parsed (one naming no library) may import it (a textual look for an import line
// naming what resolves, from that file, to the module). A standalone script (a book's samples, a
// folder of demos) so holds its setting in itself and in the project modules it imports.
//
// A partial scan (--staged, --changed-since, pre-commit) reads only some files, and the one
// module setting `Settings.llm` is usually not among them. So when a file read names a library
// with defaults, the project's other Python files are searched as installer_search.h does for
// `quotaguard.install()`: every one is read, those naming the library and a setter word are
// parsed on their own (never reported on), and the texts of all decide where a setting holds.
#pragma once

#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/discovery.h"
#include "core/frontend.h"
#include "python/evaluator.h"
#include "python/module.h"
#include "python/project.h"

namespace qg::python {

// A file's text and its path (relative, as the project names it; empty when unknown).
struct ProjectText {
  std::string_view path;
  std::string_view code;
};

// `parsed`: the modules to look for settings in, evaluated by `evaluator` in `project`;
// `texts`: the text of every file of the project that may import one (the parsed modules'
// own among them: a module's own text, found by address, does not count; a parsed importer is
// resolved through its imports, another file through its import lines and its path).
StringMap<Project::ConfiguredDefault> configured_defaults(const std::vector<ModuleInfo*>& parsed, Evaluator& evaluator,
                                                          const Project& project,
                                                          const std::vector<ProjectText>& texts);

// Whether any of `modules` names a library with defaults (rules/python/library-clients/
// `defaults`): only then is a setting elsewhere worth looking for.
bool mentions_library_with_defaults(const std::vector<ModuleInfo*>& modules);

// The settings of `others` (the project's files a partial scan was not given; other languages,
// vendored files and notebooks skipped), and where each holds, `read_texts` (the files read)
// counting as importers too. `read` are the files read, for their module names.
StringMap<Project::ConfiguredDefault> other_files_default_settings(const std::vector<DiscoveredFile>& others,
                                                                   const std::vector<const DiscoveredFile*>& read,
                                                                   const std::vector<std::string_view>& read_texts,
                                                                   const Config& config);

// Adds `more`'s settings to `into` (a setting holding everywhere wins over one holding in some
// modules).
void merge_configured_defaults(StringMap<Project::ConfiguredDefault>& into, StringMap<Project::ConfiguredDefault> more);

}  // namespace qg::python
