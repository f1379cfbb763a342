#include "time_arg.h"

#include <charconv>
#include <ctime>

#include "utc_calendar.h"

namespace qg::tracker {

namespace {

// Reads exactly `width` digits at s[i]; advances i.
bool digits(std::string_view s, std::size_t& i, int width, int& out) {
  if (i + static_cast<std::size_t>(width) > s.size()) return false;
  int v = 0;
  for (int k = 0; k < width; ++k) {
    char c = s[i + static_cast<std::size_t>(k)];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  i += static_cast<std::size_t>(width);
  out = v;
  return true;
}

bool expect(std::string_view s, std::size_t& i, char c) {
  if (i < s.size() && s[i] == c) {
    ++i;
    return true;
  }
  return false;
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

}  // namespace

std::optional<int64_t> parse_instant(std::string_view s) {
  if (all_digits(s)) {
    int64_t secs = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), secs);
    if (ec != std::errc() || p != s.data() + s.size() || secs > 253402300799) return std::nullopt;
    return secs * 1000;
  }
  std::tm tm{};
  std::size_t i = 0;
  int year, month, day, hour = 0, minute = 0, second = 0;
  if (!digits(s, i, 4, year) || !expect(s, i, '-') || !digits(s, i, 2, month) || !expect(s, i, '-') ||
      !digits(s, i, 2, day))
    return std::nullopt;
  int64_t offset_s = 0;
  if (i < s.size()) {
    if (s[i] != 'T' && s[i] != 't' && s[i] != ' ') return std::nullopt;
    ++i;
    if (!digits(s, i, 2, hour) || !expect(s, i, ':') || !digits(s, i, 2, minute)) return std::nullopt;
    if (expect(s, i, ':') && !digits(s, i, 2, second)) return std::nullopt;
    if (i < s.size()) {
      if (s[i] == 'Z' || s[i] == 'z') {
        ++i;
      } else if (s[i] == '+' || s[i] == '-') {
        const int sign = s[i] == '-' ? -1 : 1;
        ++i;
        int oh, om = 0;
        if (!digits(s, i, 2, oh)) return std::nullopt;
        if (expect(s, i, ':') || (i < s.size() && s[i] >= '0' && s[i] <= '9')) {
          if (!digits(s, i, 2, om)) return std::nullopt;
        }
        if (oh > 23 || om > 59) return std::nullopt;
        offset_s = sign * (oh * 3600 + om * 60);
      }
    }
    if (i != s.size()) return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60)
    return std::nullopt;
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  const std::time_t t = timegm(&tm);
  if (tm.tm_mday != day) return std::nullopt;  // 2026-02-30 normalises to March: not a date
  return (static_cast<int64_t>(t) - offset_s) * 1000;
}

std::optional<int64_t> parse_since(std::string_view s, int64_t now_ms) {
  if (s == "today") return utc_day_start_ms(now_ms);
  if (s == "yesterday") return utc_day_start_ms(now_ms) - 86400000;
  if (s.size() >= 2 && all_digits(s.substr(0, s.size() - 1))) {
    int64_t n = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size() - 1, n);
    if (ec == std::errc() && n <= 1000000) {
      switch (s.back()) {
        case 'm': return now_ms - n * 60000;
        case 'h': return now_ms - n * 3600000;
        case 'd': return now_ms - n * 86400000;
        case 'w': return now_ms - n * 7 * 86400000;
        default: break;
      }
    }
  }
  return parse_instant(s);
}

}  // namespace qg::tracker
