#include "window.h"
#include "utc_calendar.h"

#include <ctime>

namespace qg::tracker {

Windows::Windows(std::size_t entities, int64_t now_ms) : e_(entities) {
  for (auto& e : e_) {
    e.now_sec = now_ms / 1000;
    // Nothing was counted before the tracker started: every slot holds zero as of the second
    // before. (Stamped with the start second itself, a slot tied with the one the first update
    // writes, and when that was slot 0 -- a start second divisible by 64 -- the minute took the
    // first calls' own total as its base and read as empty for a minute.)
    for (auto& s : e.ring_sec) s = e.now_sec - 1;
    for (int p = 0; p < kPeriods; ++p) e.index[p] = period_index(p, now_ms);
  }
}

int64_t Windows::period_index(int period, int64_t now_ms) {
  if (period == kMinute) return now_ms / 60000;
  if (period == kDay) return now_ms / 86400000;
  std::time_t t = static_cast<std::time_t>(now_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return (tm.tm_year + 1900) * 12 + tm.tm_mon;
}

double Windows::seconds_left(int period, int64_t now_ms) {
  if (period == kMinute) return 60.0 - static_cast<double>(now_ms % 60000) / 1000.0;
  if (period == kDay) return static_cast<double>(utc_day_start_ms(now_ms) + 86400000 - now_ms) / 1000.0;
  return static_cast<double>(utc_next_month_start_ms(now_ms) - now_ms) / 1000.0;
}

void Windows::update(std::size_t i, const Amounts& cum, int64_t now_ms) {
  Entity& e = e_[i];
  int64_t sec = now_ms / 1000;
  for (int p = kDay; p < kPeriods; ++p) {
    int64_t idx = period_index(p, now_ms);
    if (idx != e.index[p]) {  // a new day/month starts from what had been counted so far
      e.index[p] = idx;
      e.base[p] = e.last;
      e.hist[p] = {};
    }
  }
  e.ring[sec % 64] = cum;
  e.ring_sec[sec % 64] = sec;
  e.now_sec = sec;
  e.last = cum;
}

Amounts Windows::at_or_after(const Entity& e, int64_t sec, int64_t* found) const {
  int best = -1;
  for (int k = 0; k < 64; ++k)
    if (e.ring_sec[k] >= sec && e.ring_sec[k] <= e.now_sec && (best < 0 || e.ring_sec[k] < e.ring_sec[best])) best = k;
  if (best < 0) {
    *found = e.now_sec;
    return e.last;
  }
  *found = e.ring_sec[best];
  return e.ring[best];
}

Amounts Windows::used(std::size_t i, int period) const {
  const Entity& e = e_[i];
  if (period == kMinute) {
    int64_t found;
    // The ring keeps the cumulative value at the end of each second: the minute is the
    // difference with the value 60 s ago (or the oldest value kept).
    return e.last - at_or_after(e, e.now_sec - 60, &found);
  }
  Amounts u = e.last - e.base[period];
  u += e.hist[period];
  return u;
}

Amounts Windows::rate(std::size_t i, int seconds) const {
  const Entity& e = e_[i];
  int64_t found;
  Amounts base = at_or_after(e, e.now_sec - seconds, &found);
  double span = static_cast<double>(e.now_sec - found);
  if (span < 1) return {};
  Amounts d = e.last - base;
  return {d.requests / span, d.tokens / span, d.usd / span, d.server_errors / span};
}

void Windows::add_history(std::size_t i, int period, const Amounts& a) { e_[i].hist[period] += a; }

}  // namespace qg::tracker
