// The tracker's clock is part of its public interface (quotaguard/clock.hpp).
#pragma once
#include <quotaguard/clock.hpp>

namespace qg::tracker {
using quotaguard::Clock;
using quotaguard::ManualClock;
using quotaguard::OffsetClock;
using quotaguard::SystemClock;
}  // namespace qg::tracker
