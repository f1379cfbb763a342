// Everything a scan produces: what the reports render and the gates judge.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/finding.h"

namespace qg {

struct CoverageCounts {
  std::size_t tracked = 0, untracked = 0, unresolved = 0;
  // tracked / (tracked + untracked); unresolved sites are counted apart, never hidden.
  // 100 when there is nothing to cover.
  double percent() const {
    const auto denom = tracked + untracked;
    return denom == 0 ? 100.0 : 100.0 * static_cast<double>(tracked) / static_cast<double>(denom);
  }
  // The strict view: unresolved sites counted as untracked (`--unresolved count`).
  double strict_percent() const {
    const auto denom = tracked + untracked + unresolved;
    return denom == 0 ? 100.0 : 100.0 * static_cast<double>(tracked) / static_cast<double>(denom);
  }
  std::size_t total() const { return tracked + untracked + unresolved; }
};

struct ClientCounts {
  std::size_t factory = 0, direct = 0;
  double percent() const {
    const auto denom = factory + direct;
    return denom == 0 ? 100.0 : 100.0 * static_cast<double>(factory) / static_cast<double>(denom);
  }
};

struct CoverageRow {
  std::string key;          // file path, folder, or API ("embeddings.create")
  CoverageCounts calls;
  ClientCounts clients;
};

struct Coverage {
  CoverageCounts calls;
  ClientCounts clients;
  // An API family, in the scanner, is the resource path of an API method: "chat.completions" for
  // "chat.completions.create", "beta.threads.runs" for "beta.threads.runs.create" (JSON `by_family`).
  std::vector<CoverageRow> by_file, by_folder, by_api, by_family;
};

struct FileStats {
  std::size_t discovered = 0;   // candidate source files found
  std::size_t scanned = 0;      // read and checked by the prefilter
  std::vector<std::string> paths;  // the `scanned` files (relative, sorted): per-file reports, baselines
  std::size_t parsed = 0;       // parsed and analysed
  std::vector<SkippedFile> skipped;
  std::vector<std::string> parse_errors;  // files with syntax errors (still analysed)
};

struct ScanResult {
  std::filesystem::path root;            // paths are relative to it
  std::filesystem::path config_file;     // empty: defaults
  FactoryConfig factory;                 // as configured: reports name the factory in fix hints
  std::vector<std::string> rules;        // ids of the rules this scan reported (--select/--ignore)
  std::vector<Finding> findings;         // selected, unsuppressed, sorted (path, line, column, rule)
  std::vector<Finding> vendored_findings;  // with --include-vendored: reported apart
  std::vector<CallSite> call_sites;      // project code only (not vendored)
  std::vector<ClientSite> client_sites;
  Coverage coverage;
  FileStats files;
  std::size_t suppressed = 0;
  double elapsed_seconds = 0;
};

// Aggregates call and client sites into totals and per-file / folder / API / family rows.
Coverage compute_coverage(const std::vector<CallSite>& calls, const std::vector<ClientSite>& clients);

}  // namespace qg
