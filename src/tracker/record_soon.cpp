// Recording a 2xx off the calling thread while nothing it could change is needed at once
// (docs/tracker.md, "Tenth pass"): the calling thread copies the exchange into its shard's
// ring; the evaluation thread records it at its next evaluation (within tick_ms), and whoever
// reads what it adds (usage, the history) records what is pending first.
#include "shard.h"
#include "tracker.h"

namespace qg::tracker {

Status Tracker::record_soon(const Exchange& x) {
  // check()'s fast path holds: no budget the counts feed, no shared state or fleet that other
  // processes read them from, and every account normal (so a success clears nothing).
  if (fast_check_.holds() && x.http_status >= 200 && x.http_status < 300) {
    Shard& shard = local_shard();
    if (!shard.shared && shard.pending.push(x, now_ms())) {
      if (!dirty_.load(std::memory_order_relaxed)) {  // wake the evaluation thread if it sleeps
        dirty_.store(true, std::memory_order_seq_cst);
        idle_.wake();
      }
      return Status::normal;
    }
  }
  return record_exchange(x);
}

void Tracker::drain_pending() {
  std::lock_guard lock(pending_mu_);
  const int n = shard_count_.load(std::memory_order_acquire);
  for (int i = 0; i < n; ++i) {
    Shard* s = shards_[i].load(std::memory_order_acquire);
    if (s && !s->pending.empty()) s->pending.drain([this](const Exchange& x) { record_exchange(x); });
  }
}

}  // namespace qg::tracker
