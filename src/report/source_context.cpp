#include "report/source_context.h"

#include <fstream>
#include <sstream>

namespace qg::report {

namespace {

constexpr std::uintmax_t kMaxFile = 8u << 20;

std::size_t line_start(std::string_view text, std::size_t offset) {
  const auto nl = offset == 0 ? std::string_view::npos : text.rfind('\n', offset - 1);
  return nl == std::string_view::npos ? 0 : nl + 1;
}

}  // namespace

const std::string* SourceCache::verified_text(const Finding& f) {
  auto it = files_.find(f.path);
  if (it == files_.end()) {
    std::optional<std::string> bytes;
    std::error_code ec;
    const auto path = root_ / f.path;
    if (std::filesystem::file_size(path, ec) <= kMaxFile && !ec) {
      std::ifstream in(path, std::ios::binary);
      std::ostringstream ss;
      ss << in.rdbuf();
      if (in) bytes = ss.str();
    }
    it = files_.emplace(f.path, std::move(bytes)).first;
  }
  if (!it->second) return nullptr;
  const std::string& text = *it->second;
  if (f.range.start_byte > f.range.end_byte || f.range.end_byte > text.size()) return nullptr;
  if (text.compare(f.range.start_byte, f.code.size(), f.code) != 0) return nullptr;
  return &text;
}

std::optional<Snippet> SourceCache::snippet(const Finding& f, std::uint32_t context) {
  const std::string* text = verified_text(f);
  if (!text || f.range.line == 0) return std::nullopt;
  const std::string_view all(*text);
  // Split only the lines wanted: walk back `context` lines from the finding's line start.
  std::size_t begin = line_start(all, f.range.start_byte);
  std::uint32_t first = f.range.line;
  for (std::uint32_t k = 0; k < context && begin > 0; ++k, --first) {
    const auto nl = begin >= 2 ? all.rfind('\n', begin - 2) : std::string_view::npos;
    begin = nl == std::string_view::npos ? 0 : nl + 1;
  }
  Snippet s;
  s.first_line = first;
  const std::uint32_t last = (f.range.end_line ? f.range.end_line : f.range.line) + context;
  std::size_t pos = begin;
  for (std::uint32_t line = first; line <= last && pos <= all.size(); ++line) {
    auto nl = all.find('\n', pos);
    std::string_view l = all.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    if (pos == 0 && l.starts_with("\xEF\xBB\xBF")) l.remove_prefix(3);
    s.lines.emplace_back(l);
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  // A file ending in a newline has no empty last line worth showing.
  while (s.lines.size() > 1 && s.lines.back().empty() && first + s.lines.size() - 1 > f.range.end_line) s.lines.pop_back();
  return s;
}

}  // namespace qg::report
