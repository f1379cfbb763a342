// The scan driver: config -> discovery -> read (once, in parallel) -> frontends -> coverage.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/discovery.h"
#include "core/scan_result.h"
#include "core/source_text.h"

namespace qg {

// A usage error (exit 2) other than a config error: bad path, bad option value.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ScanOptions {
  std::vector<std::filesystem::path> paths;          // default: "."
  std::optional<std::filesystem::path> config_file;  // --config
  std::optional<std::vector<std::string>> select, ignore;  // CLI overrides of the config lists
  unsigned jobs = 0;                                 // 0: every core
  bool include_vendored = false;
  bool force_exclude = false;
  std::string cpp_backend = "tree-sitter";           // "tree-sitter" | "clang"
  std::optional<std::filesystem::path> compile_commands_dir;  // -p DIR
  bool keep_trees_until_exit = false;                // CLI: skip freeing syntax trees

  // Hooks for --staged / --changed-since: a fixed file list and another source of bytes
  // (the git index), and the subset of paths whose findings are reported.
  std::optional<std::vector<DiscoveredFile>> files;
  std::function<SourceText(const DiscoveredFile&, std::uint64_t max_size)> reader;
  std::optional<std::set<std::string>> report_only;
};

// Resolves the config for a scan (explicit file, or discovered upward from the first path)
// and the root that paths are reported relative to. Throws ConfigError.
struct ScanSetup {
  Config config;
  std::filesystem::path root;
};
ScanSetup resolve_setup(const ScanOptions& options);

// What discovery is asked for a scan: the setup's root and excludes, the options' paths and flags.
DiscoveryOptions discovery_options(const ScanOptions& options, const ScanSetup& setup);

ScanResult run_scan(const ScanOptions& options);

}  // namespace qg
