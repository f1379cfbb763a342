// Precise mode: libclang parses each translation unit with its compile command and reports the
// client type behind every declared name (see ClangFacts). Without libclang at build time, or
// without a compilation database, the session is unavailable and says why in `notes`.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/source_text.h"
#include "cpp/analyzer.h"

namespace qg::cpp {

class ClangSession {
 public:
  // Looks for compile_commands.json in `dir`, else in <root>/build, else in <root>.
  static ClangSession open(const std::filesystem::path& root, const std::optional<std::filesystem::path>& dir,
                           std::vector<std::string>& notes);
  ClangSession(ClangSession&&) noexcept;
  ~ClangSession();

  bool available() const { return impl_ != nullptr; }
  // nullopt when the database has no command for the file (headers) or parsing failed.
  std::optional<ClangFacts> facts_for(const std::filesystem::path& file, const SourceText& text);

 private:
  struct Impl;
  explicit ClangSession(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace qg::cpp
