// A language frontend: what the scan driver hands it, what it gives back, and what `quotaguard fix`
// asks of it. Each language implements one (src/<language>/frontend.cpp); scan/frontends.cpp
// lists them in one table.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/config.h"
#include "core/discovery.h"
#include "core/finding.h"
#include "core/fix_plan.h"
#include "core/language.h"
#include "core/source_text.h"

namespace qg {

struct FrontendInput {
  const DiscoveredFile* file = nullptr;
  SourceText text;  // already read and validated (text.ok())
};

struct FrontendOutput {
  std::vector<FileResult> files;  // one per analysed file, sorted by path
  std::size_t parsed = 0;
  std::size_t rounds = 0;         // Python: prefilter rounds of the project-wide pass
  std::vector<std::string> notes; // said once on stderr (e.g. "no compile_commands.json: falling back")
};

struct AnalysisOptions {
  unsigned jobs = 1;
  // Hand syntax trees to a process-lifetime holder instead of freeing them (a CLI about to
  // exit need not pay for freeing thousands of trees; clang's -disable-free does the same).
  bool keep_until_exit = false;
  // Only some of the project's files are read (--staged, --changed-since): a project-wide fact
  // not seen (a default client set in another module) may still hold elsewhere.
  bool partial = false;
  // A partial scan's other files (every language), discovered only when a frontend asks: read for
  // such a project-wide fact, never reported on.
  std::function<std::vector<DiscoveredFile>()> other_files;
  std::string cpp_backend = "tree-sitter";                    // "tree-sitter" | "clang"
  std::optional<std::filesystem::path> compile_commands_dir;  // -p DIR
};

// A language, as the scan and the fix engine see it: plain functions, one instance per language
// (src/<language>/frontend.cpp), listed in one table like the report formats (scan/frontends.cpp).
struct Frontend {
  Language language;
  // Every input of this language in the scan, all at once (Python resolves across modules).
  FrontendOutput (*analyze)(std::vector<FrontendInput>& inputs, const Config& config, const AnalysisOptions& options);
  // Byte ranges [start, end) of the comments in `code` (the text after any BOM): where
  // suppressions and fixture marks may be written.
  std::vector<std::pair<uint32_t, uint32_t>> (*comments)(std::string_view code);
  // How `quotaguard fix` rewrites this language's fixable findings in one file; nullptr: the edits
  // the findings carry (FixSite::edits) are applied as they are.
  std::unique_ptr<FixPlanner> (*fix_planner)(const SourceText& source, const FixPolicy& policy) = nullptr;
  // Checks what the config names for this language against the project on disk (under
  // config.root) before anything is scanned; throws ConfigError (`file:line: reason`) when it
  // names nothing real. nullptr: nothing to check.
  void (*check_config)(const Config& config) = nullptr;
};

}  // namespace qg
