// `quotaguard fix`: rewrites QG001/QG002 sites into factory calls, file by file, in parallel.
// The scan decides what is fixable; this library decides what is safe and applies it.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "fix/file_fixer.h"
#include "scan/scanner.h"

namespace qg::fix {

enum class Mode : uint8_t {
  Write,  // apply, atomically
  Diff,   // compute only; the caller prints the diffs
  Check,  // compute only
};

struct FixOptions {
  ScanOptions scan;
  Mode mode = Mode::Write;
  bool unsafe_fixes = false;
};

struct FileChange {
  std::string path;  // relative to the root
  std::string before, after;
};

struct FixReport {
  std::filesystem::path root;
  std::map<std::string, std::size_t> fixed;       // rule -> findings fixed (or that would be)
  // The findings fixed, each as the round that fixed it saw it: a later round's ranges are in the
  // text the rounds before it made (its `code` is the original's, which no earlier fix touched).
  std::vector<Finding> applied;
  std::vector<FileChange> changes;                // sorted by path
  std::vector<LeftFinding> left;                  // fixable findings not fixed, with the reason
  std::vector<std::pair<std::string, std::string>> skipped_files;  // path, reason
  std::vector<Finding> remaining;                 // a rescan of the fixed text: what is still there
  std::size_t fixed_total() const;
};

// Throws what run_scan throws (ConfigError, UsageError). Never writes a file it could not verify.
FixReport run_fix(const FixOptions& options);

// "Fixed 4 findings (QG001: 3, QG002: 1) in 3 files." plus what is left and why.
std::string format_summary(const FixReport& report, Mode mode);

}  // namespace qg::fix
