// Names and messages are data from the network (a gateway's `model`, an error text) or from a
// caller (a workspace): they are made valid UTF-8 once, where they enter the tracker, so that
// nothing downstream (Python strings, JSON sinks, SQLite, the CLI) can fail on them later.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace qg::tracker {

// Length of the valid UTF-8 sequence starting at s[i], or 0 if it is not one (overlong forms,
// surrogates and code points above U+10FFFF are invalid, as in RFC 3629).
inline std::size_t utf8_sequence(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = b(0);
  if (c < 0x80) return 1;
  std::size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
  if (n == 0 || c > 0xF4 || i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k)
    if ((b(k) & 0xC0) != 0x80) return 0;
  if (n == 3 && ((c == 0xE0 && b(1) < 0xA0) || (c == 0xED && b(1) >= 0xA0))) return 0;  // overlong, surrogate
  if (n == 4 && ((c == 0xF0 && b(1) < 0x90) || (c == 0xF4 && b(1) >= 0x90))) return 0;  // overlong, > U+10FFFF
  return n;
}

// Copies `in` into out[0..cap) as valid UTF-8: each byte that starts no valid sequence becomes
// '?', and the copy ends on a code point boundary. Returns the length written (< cap; a NUL
// follows it).
inline std::size_t utf8_copy(std::string_view in, char* out, std::size_t cap) {
  std::size_t o = 0;
  for (std::size_t i = 0; i < in.size();) {
    if (static_cast<unsigned char>(in[i]) < 0x80) {  // ASCII, nearly every name: no decoding
      if (o + 1 >= cap) break;
      out[o++] = in[i++];
      continue;
    }
    std::size_t n = utf8_sequence(in, i);
    if (o + (n ? n : 1) >= cap) break;
    if (n == 0) {
      out[o++] = '?';
      ++i;
      continue;
    }
    for (std::size_t k = 0; k < n; ++k) out[o++] = in[i++];
  }
  out[o] = '\0';
  return o;
}

// True when `s` is ASCII (the common case: nothing to check further).
inline bool is_ascii(std::string_view s) {
  uint8_t any = 0;
  for (char c : s) any |= static_cast<uint8_t>(c);
  return any < 0x80;
}

}  // namespace qg::tracker
