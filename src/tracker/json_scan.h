// A bounded, allocation-free JSON walker. It validates structure and reports scalars with the
// path of object keys above them; it never builds a tree. Hostile input (deep nesting, huge
// strings, truncation, bad escapes) ends the walk with `false`, never with a crash.
//
// Kept instead of simdjson's On-Demand API (installed by scripts/setup): written with simdjson
// (bench/tracker/simdjson_reference.cpp, the same fields and strict counts), the extraction of
// the 2.1 KB chat completion of bench/tracker costs the same time -- 685 against 687 ns of CPU,
// minimum of 10 repetitions, three runs -- and more instructions, 9.4k against 8.6k
// (callgrind). It also needs SIMDJSON_PADDING readable bytes after its input, which a body
// handed over from Python or a C caller does not have: every body is copied into a per-thread
// buffer that keeps the size of the largest body seen (base64 images run to megabytes, on
// every thread that made a call). And it refuses a whole body for one byte of invalid UTF-8 in
// a name, where this walker reads the numbers and the name is sanitised on copy. The numbers
// are read as strictly here (json_count).
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

// A count (tokens, images, n): a plain non-negative JSON integer up to kMaxPlausibleCount.
// Anything else a server might send -- a negative, a fraction or exponent (1e30), an overflow
// (2^64-1), a quoted number -- is not a count: ok = false, and the caller flags it. 1e11 is
// above any real usage object (a batch of 50,000 requests of 2M tokens is 1e11).
inline constexpr unsigned long long kMaxPlausibleCount = 100'000'000'000ULL;
struct Count {
  unsigned long long value = 0;
  bool ok = false;
};
Count json_count(std::string_view raw);
// Milliseconds from a JSON number of seconds ("12.5" -> 12500); junk -> 0.
unsigned long long json_seconds_ms(std::string_view raw);
// Characters (code points) of a JSON string's raw contents, escapes counted once.
unsigned long long json_string_chars(std::string_view raw);
// Decodes a JSON string's raw contents (escapes, surrogate pairs) into out[0..cap) as valid
// UTF-8 (invalid bytes and lone surrogates become '?'), cut on a code point. Returns the length.
std::size_t json_unescape(std::string_view raw, char* out, std::size_t cap);

}  // namespace qg::tracker
