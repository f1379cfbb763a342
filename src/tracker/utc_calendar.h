// UTC calendar boundaries in epoch milliseconds: budgets, history and projections all cut
// periods at the same instants, so they share one definition.
#pragma once

#include <cstdint>
#include <ctime>

namespace qg::tracker {

inline int64_t utc_day_start_ms(int64_t now_ms) { return now_ms - now_ms % 86400000; }

inline int64_t utc_month_start_ms(int64_t now_ms) {
  std::time_t t = static_cast<std::time_t>(now_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  tm.tm_mday = 1;
  tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

inline int64_t utc_next_month_start_ms(int64_t now_ms) {
  std::time_t t = static_cast<std::time_t>(now_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  tm.tm_year += tm.tm_mon == 11;
  tm.tm_mon = (tm.tm_mon + 1) % 12;
  tm.tm_mday = 1;
  tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

}  // namespace qg::tracker
