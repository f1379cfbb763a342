// Report formats. Each format is one function in its own file; `render` dispatches by name.
#pragma once

#include <filesystem>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "core/scan_result.h"

namespace qg::report {

struct Options {
  bool color = false;
  std::filesystem::path cwd;   // text output shows paths relative to it, like ruff
  bool show_summary = true;
};

// Every format name `--format` accepts.
const std::vector<std::string>& formats();

// Renders `result` in `format`; returns false for an unknown format.
bool render(std::string_view format, const ScanResult& result, const Options& options, std::ostream& out);

void write_text(const ScanResult& result, const Options& options, std::ostream& out);
void write_json(const ScanResult& result, const Options& options, std::ostream& out);
void write_sarif(const ScanResult& result, const Options& options, std::ostream& out);
void write_github(const ScanResult& result, const Options& options, std::ostream& out);
void write_junit(const ScanResult& result, const Options& options, std::ostream& out);
void write_markdown(const ScanResult& result, const Options& options, std::ostream& out);
void write_html(const ScanResult& result, const Options& options, std::ostream& out);

// The rows that have call sites, worst coverage first: lowest percentage, then rows with no
// percentage (only unresolved sites), ties by most untracked, then by name.
std::vector<const CoverageRow*> rows_worst_first(const std::vector<CoverageRow>& rows);

// Path of a finding as text output shows it: relative to the cwd when the root is below it.
std::string display_path(const ScanResult& result, const std::string& relative, const std::filesystem::path& cwd);

// `:line:column` of a finding as people read it; in a notebook `:cell 3:line 2:col 5`.
std::string position(const Finding& finding);
// `path:line:column` of a finding as people read it; in a notebook `nb.ipynb:cell 3:line 2:col 5`.
std::string display_location(const ScanResult& result, const Finding& finding, const std::filesystem::path& cwd);

// A finding's message with the paths in it (QG004's origin) shown as display_path shows the
// finding's own path, so that both are relative to the same directory.
std::string display_message(const ScanResult& result, const Finding& finding, const std::filesystem::path& cwd);

}  // namespace qg::report
