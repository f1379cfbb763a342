// The C transport's records, made on a thread of their own (docs/tracker.md, "Fifth pass").
//
// Recording a chat completion is ~10 k instructions, but they run cold: callgrind's cache
// simulation counts ~470 more I1 and ~460 more D1 misses per request with the record on the
// calling thread than without it, half of them afterwards in the SDK's own code (its lines
// evicted). Queued here, the exchange is recorded on another core while the SDK builds its
// response objects.
//
// Producers hold the GIL, so there is one at a time; one recorder thread consumes. Nothing is
// copied but a few short header values: the queue keeps references to the (immutable) str and
// bytes objects the exchange's views point into, released under the GIL once recorded. Whoever
// reads the tracker drains first (check, record, and every reader through pyreg::tracker()), so
// what a thread sees after a call includes the call, exactly as when it was recorded in place.
#pragma once
#include <Python.h>

#include <span>

#include <quotaguard/tracker.hpp>

namespace quotaguard::pyconv {

// Queues x, recorded on tracker t by the recorder thread; `keep` are the objects x's views point
// into (the short header values -- content types, the API key -- are copied). False when it was
// not queued (queue full, a value too long, the thread cannot start, recording stopped): record
// it on this thread. GIL held.
bool defer_record(Tracker& t, const Exchange& x, std::span<PyObject* const> keep);

// Waits until every queued exchange is recorded; with the GIL held, also releases what they kept.
// Cheap when nothing is queued (two atomic loads).
void drain_deferred();

// How many exchanges were queued, recorded in place instead (queue full, ...), failed to record.
struct DeferredStats {
  uint64_t queued = 0, in_place = 0, failures = 0;
};
DeferredStats deferred_stats();

// From now on nothing is queued (shutdown: before the tracker's last flush); drains.
void stop_deferring();
// Queue again (a tracker configured after a shutdown).
void resume_deferring();

}  // namespace quotaguard::pyconv
