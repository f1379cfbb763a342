// Fixed instants for tests that depend on the calendar (see test_calendar.cpp).
#pragma once
#include <cstdint>
#include <ctime>
#include <memory>
#include <stdexcept>

#include "clock.h"

namespace qg::tracker::testing {

inline int64_t at(const char* iso) {  // "2024-02-29T23:59:00Z" -> Unix ms
  std::tm tm{};
  if (!strptime(iso, "%Y-%m-%dT%H:%M:%SZ", &tm)) throw std::invalid_argument(iso);
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

// Noon UTC on an ordinary day: tests whose day/month budgets must not see a boundary run here
// (the clock still advances, so sleeps and timeouts behave).
inline std::shared_ptr<const Clock> midday() { return std::make_shared<OffsetClock>(at("2026-03-15T12:00:00Z")); }

}  // namespace qg::tracker::testing
