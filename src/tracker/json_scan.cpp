#include "json_scan.h"

#include <cstring>

namespace qg::tracker {
namespace {

struct Walker {
  const char* p;
  const char* end;
  JsonVisitor& v;
  int max_depth;
  JsonPath path;

  void ws() {
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) ++p;
  }

  // On entry *p == '"'. Leaves p after the closing quote.
  bool string(std::string_view& out) {
    const char* start = ++p;
    for (;;) {
      // Skip plain bytes fast: most of a body is prompt/completion text.
      const void* q = std::memchr(p, '"', static_cast<std::size_t>(end - p));
      if (!q) return false;
      const char* quote = static_cast<const char*>(q);
      const void* bs = std::memchr(p, '\\', static_cast<std::size_t>(quote - p));
      if (!bs) {
        out = {start, static_cast<std::size_t>(quote - start)};
        p = quote + 1;
        return true;
      }
      p = static_cast<const char*>(bs) + 1;
      if (p >= end) return false;
      char e = *p;
      if (e == 'u') {
        if (end - p < 5) return false;
        for (int k = 1; k <= 4; ++k) {
          char h = p[k];
          bool hex = (h >= '0' && h <= '9') || (h >= 'a' && h <= 'f') || (h >= 'A' && h <= 'F');
          if (!hex) return false;
        }
        p += 5;
      } else if (std::strchr("\"\\/bfnrt", e) && e != '\0') {
        ++p;
      } else {
        return false;
      }
    }
  }

  bool literal(std::string_view word, JsonKind kind) {
    if (static_cast<std::size_t>(end - p) < word.size() ||
        std::memcmp(p, word.data(), word.size()) != 0)
      return false;
    v.on_value(path, kind, {p, word.size()}, 0);
    p += word.size();
    return true;
  }

  bool number() {
    const char* s = p;
    if (p < end && *p == '-') ++p;
    const char* digits = p;
    while (p < end && ((*p >= '0' && *p <= '9') || *p == '.' || *p == 'e' || *p == 'E' ||
                       *p == '+' || *p == '-'))
      ++p;
    if (p == digits || !(*digits >= '0' && *digits <= '9')) return false;
    v.on_value(path, JsonKind::number, {s, static_cast<std::size_t>(p - s)}, 0);
    return true;
  }

  void push(std::string_view key) {
    if (path.depth < JsonPath::kMax) path.key[path.depth] = key;
    ++path.depth;
  }

  bool value() {
    ws();
    if (p >= end) return false;
    switch (*p) {
      case '{': return object();
      case '[': return array();
      case '"': {
        std::string_view s;
        if (!string(s)) return false;
        v.on_value(path, JsonKind::string, s, 0);
        return true;
      }
      case 't': return literal("true", JsonKind::boolean);
      case 'f': return literal("false", JsonKind::boolean);
      case 'n': return literal("null", JsonKind::null);
      default: return number();
    }
  }

  bool object() {
    if (path.depth >= max_depth) return false;
    ++p;
    std::size_t n = 0;
    ws();
    if (p < end && *p == '}') {
      ++p;
      v.on_value(path, JsonKind::object_end, {}, 0);
      return true;
    }
    for (;;) {
      ws();
      if (p >= end || *p != '"') return false;
      std::string_view key;
      if (!string(key)) return false;
      ws();
      if (p >= end || *p != ':') return false;
      ++p;
      push(key);
      bool ok = value();
      --path.depth;
      if (!ok) return false;
      ++n;
      ws();
      if (p >= end) return false;
      if (*p == ',') { ++p; continue; }
      if (*p == '}') { ++p; break; }
      return false;
    }
    v.on_value(path, JsonKind::object_end, {}, n);
    return true;
  }

  bool array() {
    if (path.depth >= max_depth) return false;
    ++p;
    std::size_t n = 0;
    ws();
    if (p < end && *p == ']') {
      ++p;
      v.on_value(path, JsonKind::array_end, {}, 0);
      return true;
    }
    for (;;) {
      push("[]");
      bool ok = value();
      --path.depth;
      if (!ok) return false;
      ++n;
      ws();
      if (p >= end) return false;
      if (*p == ',') { ++p; continue; }
      if (*p == ']') { ++p; break; }
      return false;
    }
    v.on_value(path, JsonKind::array_end, {}, n);
    return true;
  }
};

}  // namespace

bool json_walk(std::string_view text, JsonVisitor& v, int max_depth) {
  Walker w{text.data(), text.data() + text.size(), v, max_depth, {}};
  if (!w.value()) return false;
  w.ws();
  return w.p == w.end;
}

unsigned long long json_uint(std::string_view raw) {
  unsigned long long n = 0;
  for (char c : raw) {
    if (c == '.' || c == 'e' || c == 'E') break;
    if (c < '0' || c > '9') return 0;
    if (n > 1'000'000'000'000'000ULL) return 0;  // absurd: treat as junk, not as a bill
    n = n * 10 + static_cast<unsigned>(c - '0');
  }
  return n;
}

unsigned long long json_seconds_ms(std::string_view raw) {
  unsigned long long whole = 0, frac = 0, scale = 1000;
  std::size_t i = 0;
  for (; i < raw.size() && raw[i] >= '0' && raw[i] <= '9'; ++i) {
    if (whole > 1'000'000'000ULL) return 0;
    whole = whole * 10 + static_cast<unsigned>(raw[i] - '0');
  }
  if (i < raw.size() && raw[i] == '.') {
    for (++i; i < raw.size() && raw[i] >= '0' && raw[i] <= '9' && scale > 1; ++i) {
      scale /= 10;
      frac += static_cast<unsigned>(raw[i] - '0') * scale;
    }
  }
  if (i < raw.size() && raw[i] != '.' && !(raw[i] >= '0' && raw[i] <= '9')) return 0;
  return whole * 1000 + frac;
}

unsigned long long json_string_chars(std::string_view raw) {
  unsigned long long n = 0;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(raw[i]);
    if (c == '\\' && i + 1 < raw.size()) {
      if (raw[i + 1] == 'u' && i + 5 < raw.size()) {
        // A low surrogate completes the pair counted at its high half.
        bool low = (raw[i + 2] == 'd' || raw[i + 2] == 'D') &&
                   raw[i + 3] != '\0' && std::strchr("cdefCDEF", raw[i + 3]) != nullptr;
        if (!low) ++n;
        i += 5;
      } else {
        ++n;
        ++i;
      }
    } else if ((c & 0xC0) != 0x80) {
      ++n;  // count lead bytes only: code points, not bytes
    }
  }
  return n;
}

}  // namespace qg::tracker
