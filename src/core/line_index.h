// Byte offset -> 1-based line and column (in Unicode code points, as editors and ruff count).
#pragma once

#include <algorithm>
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/finding.h"

namespace qg {

class LineIndex {
 public:
  explicit LineIndex(std::string_view text) : text_(text) {
    starts_.push_back(0);
    for (std::size_t i = 0; i < text.size(); ++i)
      if (text[i] == '\n') starts_.push_back(static_cast<uint32_t>(i + 1));
  }

  uint32_t line_of(uint32_t byte) const {
    auto it = std::upper_bound(starts_.begin(), starts_.end(), byte);
    return static_cast<uint32_t>(it - starts_.begin());
  }
  uint32_t line_start(uint32_t line) const { return starts_[line - 1]; }
  uint32_t line_count() const { return static_cast<uint32_t>(starts_.size()); }

  // 1-based column in code points (continuation bytes do not count).
  uint32_t column_of(uint32_t byte) const {
    uint32_t line = line_of(byte);
    uint32_t col = 1;
    for (uint32_t i = starts_[line - 1]; i < byte && i < text_.size(); ++i)
      if ((static_cast<unsigned char>(text_[i]) & 0xC0) != 0x80) ++col;
    return col;
  }

  SourceRange range(uint32_t start_byte, uint32_t end_byte) const {
    SourceRange r;
    r.start_byte = start_byte;
    r.end_byte = end_byte;
    r.line = line_of(start_byte);
    r.column = column_of(start_byte);
    r.end_line = line_of(end_byte);
    r.end_column = column_of(end_byte);
    return r;
  }

  std::string_view line_text(uint32_t line) const {
    uint32_t b = starts_[line - 1];
    uint32_t e = line < starts_.size() ? starts_[line] : static_cast<uint32_t>(text_.size());
    auto s = text_.substr(b, e - b);
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.remove_suffix(1);
    return s;
  }

 private:
  std::string_view text_;
  std::vector<uint32_t> starts_;
};

}  // namespace qg
