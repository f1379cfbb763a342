// A bounded, allocation-free JSON walker. It validates structure and reports scalars with the
// path of object keys above them; it never builds a tree. Hostile input (deep nesting, huge
// strings, truncation, bad escapes) ends the walk with `false`, never with a crash.
#pragma once
#include <cstddef>
#include <string_view>

namespace qg::tracker {

enum class JsonKind : unsigned char { string, number, boolean, null, object_end, array_end };

struct JsonPath {
  static constexpr int kMax = 6;     // keys tracked; deeper levels are walked but not named
  std::string_view key[kMax];
  int depth = 0;                     // number of enclosing containers
  bool is(std::string_view a) const { return depth == 1 && key[0] == a; }
  bool is(std::string_view a, std::string_view b) const {
    return depth == 2 && key[0] == a && key[1] == b;
  }
};

struct JsonVisitor {
  // raw: string contents without quotes (escapes left as is), number/literal text.
  // For object_end/array_end, `count` is the number of members/elements.
  virtual void on_value(const JsonPath& path, JsonKind kind, std::string_view raw,
                        std::size_t count) = 0;
  virtual ~JsonVisitor() = default;
};

// Walks one JSON value. Returns false if the text is not valid JSON (or nests deeper than
// max_depth); the visitor has seen everything up to the point of failure.
bool json_walk(std::string_view text, JsonVisitor& v, int max_depth = 64);

// Integer value of a JSON number (fraction dropped; negative, overflow or junk -> 0).
unsigned long long json_uint(std::string_view raw);
// Milliseconds from a JSON number of seconds ("12.5" -> 12500); junk -> 0.
unsigned long long json_seconds_ms(std::string_view raw);
// Characters (code points) of a JSON string's raw contents, escapes counted once.
unsigned long long json_string_chars(std::string_view raw);

}  // namespace qg::tracker
