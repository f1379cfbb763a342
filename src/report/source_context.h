// The source lines around a finding, for reports that show code in context (HTML). A file is used
// only while it still holds the finding's code at the finding's byte offset: after
// `scan --staged` with a dirty working tree, or an edit since the scan, reports fall back to
// Finding::code alone.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/finding.h"

namespace qg::report {

struct Snippet {
  std::uint32_t first_line = 0;     // line number of lines[0]
  std::vector<std::string> lines;   // whole lines, without line ends
};

class SourceCache {
 public:
  explicit SourceCache(std::filesystem::path root) : root_(std::move(root)) {}

  // `context` lines before and after the finding's lines, or nothing (file changed or unreadable).
  std::optional<Snippet> snippet(const Finding& f, std::uint32_t context);

 private:
  const std::string* verified_text(const Finding& f);
  std::filesystem::path root_;
  std::unordered_map<std::string, std::optional<std::string>> files_;  // path -> bytes (nullopt: unreadable)
};

}  // namespace qg::report
