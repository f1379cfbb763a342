// File discovery: walks the given paths, honours .gitignore / excludes, skips vendored trees,
// detects symlink loops, and classifies files by language. Never throws for bad entries:
// they land in `skipped` with a reason.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/finding.h"
#include "core/language.h"

namespace qg {

struct DiscoveredFile {
  std::filesystem::path absolute;
  std::string relative;         // to DiscoveryOptions::root, '/'-separated
  Language language = Language::Python;
  bool vendored = false;        // inside venv/, site-packages/, node_modules/, build/ ...
};

struct DiscoveryOptions {
  std::filesystem::path root;                  // paths are reported relative to it
  std::vector<std::filesystem::path> paths;    // files or directories (absolute or cwd-relative)
  std::vector<std::string> exclude;            // gitignore-style patterns, relative to root
  bool include_vendored = false;
  bool respect_gitignore = true;               // .gitignore files, .git/info/exclude
  bool force_exclude = false;                  // apply excludes to explicitly named files too
  bool include_cpp = true;
};

struct DiscoveryResult {
  std::vector<DiscoveredFile> files;           // sorted by `relative`, no duplicates
  std::vector<SkippedFile> skipped;            // symlink loops, unreadable dirs, vendored trees, ...
};

DiscoveryResult discover(const DiscoveryOptions& options);

// The files among `relative_paths` (relative to options.root, '/'-separated; options.paths is not
// used) that a walk would have found: known source extensions only (others are passed over
// silently), excludes and .gitignore applied as with force_exclude, vendored trees skipped unless
// include_vendored. The files need not exist on disk (staged blobs of `scan --staged`).
DiscoveryResult select_files(const DiscoveryOptions& options, const std::vector<std::string>& relative_paths);

// By extension (core/language.cpp): ".py" -> Python, ".cpp" -> Cpp, ...
bool classify_language(const std::filesystem::path& p, Language& out);

}  // namespace qg
