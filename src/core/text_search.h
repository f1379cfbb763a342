// Substring and whole-word search over source bytes (glibc memmem: SIMD two-way search).
#pragma once

#include <cstring>
#include <string_view>

namespace qg {

inline bool is_identifier_byte(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}

inline std::size_t find_bytes(std::string_view hay, std::string_view needle, std::size_t from = 0) {
  if (from >= hay.size() || needle.empty()) return std::string_view::npos;
  const void* p = ::memmem(hay.data() + from, hay.size() - from, needle.data(), needle.size());
  return p ? static_cast<std::size_t>(static_cast<const char*>(p) - hay.data()) : std::string_view::npos;
}

inline bool contains(std::string_view hay, std::string_view needle) {
  return find_bytes(hay, needle) != std::string_view::npos;
}

// `word` occurring with no identifier character on either side.
inline bool contains_word(std::string_view hay, std::string_view word) {
  for (std::size_t at = find_bytes(hay, word); at != std::string_view::npos; at = find_bytes(hay, word, at + 1)) {
    const bool left = at == 0 || !is_identifier_byte(hay[at - 1]);
    const bool right = at + word.size() == hay.size() || !is_identifier_byte(hay[at + word.size()]);
    if (left && right) return true;
  }
  return false;
}

}  // namespace qg
