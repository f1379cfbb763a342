// The baseline file: today's findings by fingerprint, so that a gate fails only on new ones.
//
//   {"version": 1, "fingerprint": "fnv1a64(rule, path, normalised code, occurrence)",
//    "findings": [{"fingerprint": "…", "rule": "QG001", "path": "app/a.py", "code": "OpenAI()",
//                  "occurrence": 0}, …]}
//
// Entries are sorted by path, rule, code and occurrence and carry no line numbers, so the file
// changes only when findings do. Matching uses the fingerprint alone; rule, path and code are
// there for the person reading a diff of the file (and tell which files an entry belongs to).
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/scan_result.h"

namespace qg::gate {

struct BaselineEntry {
  std::string fingerprint, rule, path, code;
  std::size_t occurrence = 0;
};

struct Baseline {
  std::vector<BaselineEntry> entries;  // sorted, unique by fingerprint

  // From findings that carry fingerprints (assign_fingerprints).
  static Baseline from_findings(const std::vector<Finding>& findings);
  std::string to_json() const;  // stable: same entries, same bytes
};

// A baseline file that cannot be used (missing, not JSON, wrong version, bad entries).
class BaselineError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

Baseline load_baseline(const std::filesystem::path& file);  // throws BaselineError
Baseline parse_baseline(std::string_view text, const std::string& name);

// Findings against a baseline.
struct BaselineComparison {
  std::vector<Finding> new_findings;      // not in the baseline: these fail the gate
  std::size_t matched = 0;                // findings the baseline accounts for
  std::vector<BaselineEntry> gone;        // entries no longer found: ratchet them out
  std::vector<BaselineEntry> kept;        // entries still found, or in files this scan did not see
};

// The findings of `result` against a baseline. An entry not found is "gone" only when this scan
// could have found it: its rule was selected and its file was scanned or no longer exists
// (under result.root). Entries out of scope (another folder, an unstaged file) are kept.
BaselineComparison compare(const Baseline& baseline, const ScanResult& result);

}  // namespace qg::gate
