#include "shard.h"

#include <algorithm>

namespace qg::tracker {

void Shard::add(uint64_t key, const uint64_t (&delta)[kCounterCount]) {
  uint32_t h = static_cast<uint32_t>(key * 0x9E3779B97F4A7C15ULL >> 40);
  for (uint32_t probe = 0; probe < kCells; ++probe) {
    const uint32_t i = (h + probe) & (kCells - 1);
    Cell& c = cells_[i];
    uint64_t k = c.key.load(std::memory_order_acquire);
    if (k == 0) {
      if (!shared) {  // only this thread writes keys
        c.key.store(key, std::memory_order_release);
        k = key;
        const uint32_t n = used_count_.load(std::memory_order_relaxed);
        used_[n].store(static_cast<uint16_t>(i + 1), std::memory_order_relaxed);
        used_count_.store(n + 1, std::memory_order_release);
      } else if (c.key.compare_exchange_strong(k, key, std::memory_order_acq_rel)) {
        k = key;
        used_[used_count_.fetch_add(1, std::memory_order_acq_rel)].store(static_cast<uint16_t>(i + 1),
                                                                         std::memory_order_release);
      }
    }
    if (k != key) continue;
    for (int i = 0; i < kCounterCount; ++i) {
      if (!delta[i]) continue;
      if (shared) c.v[i].fetch_add(delta[i], std::memory_order_relaxed);
      else c.v[i].store(c.v[i].load(std::memory_order_relaxed) + delta[i], std::memory_order_relaxed);
    }
    return;
  }
  // Table full: fold into the (other, other, other) cell, which always fits in practice.
  if (key != cell_key(0, 0, 0)) add(cell_key(0, 0, 0), delta);
}

void Shard::push_ledger(const LedgerEntry& e) {
  if (shared) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  uint64_t head = head_.load(std::memory_order_relaxed);
  if (head - tail_.load(std::memory_order_acquire) >= kRing) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  ring_[head % kRing] = e;
  head_.store(head + 1, std::memory_order_release);
}

uint64_t Shard::consistent_cut(std::map<uint64_t, Totals>& into) const {
  std::vector<std::pair<uint64_t, Totals>> seen;
  for (;;) {
    seen.clear();
    const uint64_t before = seq_.load(std::memory_order_acquire);
    if (before & 1) {  // the owner is between a call's cell add and its ledger push
      std::this_thread::yield();
      continue;
    }
    const uint64_t head = head_.load(std::memory_order_acquire);
    for_each_cell([&](const Cell& c) {
      Totals t;
      for (int j = 0; j < kCounterCount; ++j) t.v[j] = c.v[j].load(std::memory_order_relaxed);
      seen.emplace_back(c.key.load(std::memory_order_acquire), t);
    });
    std::atomic_thread_fence(std::memory_order_acquire);
    // The shared shard has many writers and no ledger: its cells are all there is to agree on.
    if (shared || seq_.load(std::memory_order_relaxed) == before) {
      for (const auto& [key, t] : seen) into[key] += t;
      return head;
    }
  }
}

std::size_t Shard::drain_ledger(LedgerEntry* out, std::size_t max, uint64_t upto) {
  uint64_t tail = tail_.load(std::memory_order_relaxed);
  uint64_t head = std::min(head_.load(std::memory_order_acquire), upto);
  std::size_t n = 0;
  while (tail != head && n < max) out[n++] = ring_[tail++ % kRing];
  tail_.store(tail, std::memory_order_release);
  return n;
}

}  // namespace qg::tracker
