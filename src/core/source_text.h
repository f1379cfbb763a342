// Reading a source file once, and deciding whether it is text we can analyse at all.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace qg {

struct SourceText {
  std::string bytes;           // the whole file, as on disk
  std::string skip_reason;     // non-empty: not analysable (unreadable, binary, too large, ...)
  uint32_t bom_length = 0;     // 3 when the file starts with a UTF-8 BOM

  bool ok() const { return skip_reason.empty(); }
  // What the parser sees: the text after the BOM. Byte offsets from the parser are shifted
  // by bom_length to address `bytes`.
  std::string_view code() const { return std::string_view(bytes).substr(bom_length); }
};

SourceText read_source(const std::filesystem::path& path, std::uint64_t max_size);

// Validates `text` as an in-memory source (staged blobs, tests): binary, UTF-8 and BOM checks.
SourceText make_source(std::string text, std::uint64_t max_size);

// Returns the byte offset of the first invalid UTF-8 sequence, or npos.
std::size_t find_invalid_utf8(std::string_view text);

}  // namespace qg
