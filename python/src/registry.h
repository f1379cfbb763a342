// The process-wide tracker of the Python package: created on first use, replaced by configure().
#pragma once
#include <memory>

#include <quotaguard/clock.hpp>
#include <quotaguard/tracker.hpp>

namespace quotaguard::pyreg {

// A reference that keeps the tracker alive (for calls that release the GIL).
std::shared_ptr<Tracker> tracker();
// The current tracker for a call that holds the GIL throughout: no lock, no reference count
// (configure() swaps trackers only while holding the GIL).
Tracker& current();
// Installs a new tracker; returns the previous one (to be shut down by the caller).
std::shared_ptr<Tracker> replace(std::shared_ptr<Tracker> fresh);
// The clock trackers configured from now on read (null: the system clock).
std::shared_ptr<const Clock> clock();
void set_clock(std::shared_ptr<const Clock> c);

}  // namespace quotaguard::pyreg
