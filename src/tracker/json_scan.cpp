#include "json_scan.h"

#include <cstring>

#include "utf8.h"

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

Count json_count(std::string_view raw) {
  Count c;
  if (raw.empty() || raw.size() > 20) return c;
  unsigned long long n = 0;
  for (char ch : raw) {
    if (ch < '0' || ch > '9') return c;
    n = n * 10 + static_cast<unsigned>(ch - '0');
    if (n > kMaxPlausibleCount) return c;
  }
  c.value = n;
  c.ok = true;
  return c;
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

namespace {
int hex4(std::string_view s, std::size_t i) {  // s[i..i+4) as hex, -1 if not
  if (i + 4 > s.size()) return -1;
  int v = 0;
  for (std::size_t k = i; k < i + 4; ++k) {
    char h = s[k];
    int d = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10 : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

std::size_t put_utf8(unsigned cp, char* out) {
  if (cp < 0x80) {
    out[0] = static_cast<char>(cp);
    return 1;
  }
  if (cp < 0x800) {
    out[0] = static_cast<char>(0xC0 | (cp >> 6));
    out[1] = static_cast<char>(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = static_cast<char>(0xE0 | (cp >> 12));
    out[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out[2] = static_cast<char>(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = static_cast<char>(0xF0 | (cp >> 18));
  out[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
  out[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
  out[3] = static_cast<char>(0x80 | (cp & 0x3F));
  return 4;
}

// One escape sequence at raw[i] ('\\' + ...): its UTF-8 in buf, the bytes it took in `used`.
std::size_t unescape_one(std::string_view raw, std::size_t i, char (&buf)[4], std::size_t& used) {
  const char e = raw[i + 1];
  used = 2;
  static constexpr char kFrom[] = "\"\\/bfnrt", kTo[] = "\"\\/\b\f\n\r\t";
  if (const char* at = e ? std::strchr(kFrom, e) : nullptr) {
    buf[0] = kTo[at - kFrom];
    return 1;
  }
  if (e != 'u') {
    buf[0] = '?';
    return 1;
  }
  int cp = hex4(raw, i + 2);
  if (cp < 0) {
    buf[0] = '?';
    return 1;
  }
  used = 6;
  if (cp >= 0xD800 && cp < 0xDC00 && raw.substr(i + 6, 2) == "\\u") {
    int lo = hex4(raw, i + 8);
    if (lo >= 0xDC00 && lo < 0xE000) {
      cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
      used = 12;
    }
  }
  if (cp >= 0xD800 && cp < 0xE000) {  // a lone surrogate
    buf[0] = '?';
    return 1;
  }
  return put_utf8(static_cast<unsigned>(cp), buf);
}
}  // namespace

std::size_t json_unescape(std::string_view raw, char* out, std::size_t cap) {
  if (cap == 0) return 0;
  std::size_t o = 0;
  for (std::size_t i = 0; i < raw.size();) {
    // Names are mostly plain ASCII: copy such a run at once.
    std::size_t run = i;
    while (run < raw.size() && raw[run] != '\\' && static_cast<unsigned char>(raw[run]) < 0x80) ++run;
    if (run > i) {
      std::size_t n = run - i < cap - 1 - o ? run - i : cap - 1 - o;
      std::memcpy(out + o, raw.data() + i, n);
      o += n;
      i += n;
      if (o + 1 >= cap) break;
      continue;
    }
    char buf[4];
    std::size_t n, used;
    if (raw[i] == '\\' && i + 1 < raw.size()) {
      n = unescape_one(raw, i, buf, used);
    } else if ((n = utf8_sequence(raw, i)) != 0) {
      for (std::size_t k = 0; k < n; ++k) buf[k] = raw[i + k];
      used = n;
    } else {
      buf[0] = '?';
      n = used = 1;
    }
    if (o + n >= cap) break;
    for (std::size_t k = 0; k < n; ++k) out[o++] = buf[k];
    i += used;
  }
  out[o] = '\0';
  return o;
}

}  // namespace qg::tracker
