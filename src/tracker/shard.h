// Per-thread counters. Each thread owns one shard: it alone writes its cells (a relaxed load
// and store, no read-modify-write), so recording never contends; readers sum all shards.
#pragma once
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <thread>
#include <vector>

#include <quotaguard/tracker.hpp>

#include "pending.h"

namespace qg::tracker {

using quotaguard::counter_name;
using quotaguard::Counter;
using quotaguard::Totals;
using enum quotaguard::Counter;

// One row of the audit ledger: ids and numbers only (never keys, prompts or completions).
struct LedgerEntry {
  int64_t ts_ms;
  uint16_t workspace, endpoint, model;
  int16_t http_status;
  uint8_t retry, flags;
  uint16_t api_key;  // its label's id in Tracker::key_labels_ (kNoKey: none)
  char error_code[26];
  uint64_t input, cached, output, reasoning, images, audio_ms, characters;
  uint64_t request_bytes, response_bytes, latency_ns;
};

constexpr uint16_t kNoKey = UINT16_MAX;

inline uint64_t cell_key(uint32_t ws, uint32_t ep, uint32_t model) {
  return ((uint64_t{ws} << 20) | (uint64_t{ep} << 10) | model) + 1;  // 0 = empty
}
inline uint32_t key_ws(uint64_t k) { return static_cast<uint32_t>(((k - 1) >> 20) & 1023); }
inline uint32_t key_ep(uint64_t k) { return static_cast<uint32_t>(((k - 1) >> 10) & 1023); }
inline uint32_t key_model(uint64_t k) { return static_cast<uint32_t>((k - 1) & 1023); }

class Shard {
 public:
  static constexpr uint32_t kCells = 1024;   // distinct (workspace, endpoint, model) per thread
  static constexpr uint32_t kRing = 2048;    // ledger rows per thread between flushes

  struct Cell {
    std::atomic<uint64_t> key{0};
    std::atomic<uint64_t> v[kCounterCount] = {};
  };

  // Owner thread only (or any thread on the shared overflow shard).
  void add(uint64_t key, const uint64_t (&delta)[kCounterCount]);
  void push_ledger(const LedgerEntry& e);
  // Owner thread only: bracket one record's cell add and ledger push (a seqlock: odd while the
  // record is half written), so a flush never commits a call's minutes without its ledger row.
  void begin_record() {
    if (shared) return;  // many writers, no ledger: nothing to keep in step
    seq_.store(seq_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_release);
  }
  void end_record() {
    if (!shared) seq_.store(seq_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
  }

  // Any thread.
  // Calls f(cell) for every cell with a key, in the order the keys came: a reader visits the
  // few cells a thread uses, not the whole table (160 KiB, swept after every call before).
  template <class F>
  void for_each_cell(F&& f) const {
    const uint32_t n = used_count_.load(std::memory_order_acquire);
    for (uint32_t k = 0; k < n; ++k) {
      const uint32_t i = used_[k].load(std::memory_order_acquire);
      if (i != 0) f(cells_[i - 1]);  // 0: (overflow shard) a key just claimed, listed next time
    }
  }
  uint64_t ledger_dropped() const { return dropped_.load(std::memory_order_relaxed); }
  // Consumer (flusher) only: adds every cell to into and returns the ledger's head, both as of
  // one moment between two records (retries while the owner is mid-record).
  uint64_t consistent_cut(std::map<uint64_t, Totals>& into) const;
  // Consumer (flusher) only: pops up to max rows, none past upto, into out; returns how many.
  std::size_t drain_ledger(LedgerEntry* out, std::size_t max, uint64_t upto = UINT64_MAX);

  std::atomic<bool> in_use{false};
  PendingExchanges pending;  // exchanges its owner left to be recorded (Tracker::record_soon)
  // The overflow shard, used by threads beyond the registry's capacity: many writers, so
  // atomic read-modify-writes and no ledger (its rows are counted as dropped).
  bool shared = false;

 private:
  Cell cells_[kCells];
  std::atomic<uint16_t> used_[kCells] = {};  // index + 1 of each cell given a key, in order
  std::atomic<uint32_t> used_count_{0};
  LedgerEntry ring_[kRing];
  alignas(64) std::atomic<uint64_t> head_{0};  // written by owner
  alignas(64) std::atomic<uint64_t> tail_{0};  // written by consumer
  std::atomic<uint64_t> dropped_{0};
  std::atomic<uint64_t> seq_{0};  // written by owner: odd while a record is half written
};

}  // namespace qg::tracker
