// What the analyzer recognised, in C++ terms (a client's library and type), handed to the
// finding sink (core/finding_sink.h) with the C++ wordings of the rules; plus the `#include`
// of the factory header that every fixable finding's edits carry.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/finding.h"
#include "core/finding_sink.h"
#include "core/line_index.h"
#include "core/source_text.h"
#include "cpp/library_model.h"

namespace qg::cpp {

// A client expression's library, type and origin.
struct Client {
  const Library* lib = nullptr;
  std::string type;                        // "liboai::OpenAI"
  Provenance prov = Provenance::Unknown;   // Direct | Factory | Module (the singleton) | Unknown
  uint32_t line = 0;                       // where it was obtained, when known
  explicit operator bool() const { return lib != nullptr; }
};

class Reporter {
 public:
  Reporter(const std::string& path, const SourceText& source, const Config& config);

  // Byte offsets are parser offsets (after any BOM).
  SourceRange range(uint32_t start, uint32_t end) const;
  const Config& config() const { return sink_.config(); }
  // The configured factory expression for `type`, or nullptr.
  const std::string* factory_for(std::string_view type) const;

  void suppression(uint32_t start_byte, std::string_view comment);
  // `edits` empty: report-only. The include edit is added to every fixable finding by take().
  void construction(uint32_t start, uint32_t end, const Client& c, std::vector<Edit> edits);
  void singleton_start(uint32_t start, uint32_t end, const Client& c, std::string_view callee);
  void factory_call(uint32_t start, uint32_t end);
  void api_call(uint32_t start, uint32_t end, const Client& c, const std::string& api);
  void endpoint(uint32_t start, uint32_t end, std::string_view url, std::string_view via);
  // Where `#include <factory header>` goes (after the last top-level #include), and whether
  // the file already has it.
  void include_seen(uint32_t end_byte, std::string_view path_text);

  FileResult take(bool parse_error);

 private:
  const std::string& path_;
  const SourceText& source_;
  LineIndex lines_;
  FindingSink sink_;
  uint32_t include_at_ = 0;
  bool has_factory_include_ = false;
};

}  // namespace qg::cpp
