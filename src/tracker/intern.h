// Fixed-size, lock-free string interning: names (workspaces, endpoints, models) become small
// ids usable as array indexes. Names are stored as valid UTF-8 (invalid bytes become '?').
// Insertion claims a slot with one CAS; lookups never block except for the nanoseconds between
// a slot's claim and its publication.
#pragma once
#include <atomic>
#include <cstdint>
#include <string_view>

namespace qg::tracker {

class InternTable {
 public:
  static constexpr uint32_t kCapacity = 1024;  // power of two
  static constexpr uint32_t kMaxName = 62;     // longer names are cut (on a code point)
  static constexpr uint32_t kOverflow = 0;     // id of "(other)" when the table is full

  InternTable();
  uint32_t intern(std::string_view name);
  // Returns kNotFound when absent; never inserts.
  static constexpr uint32_t kNotFound = UINT32_MAX;
  uint32_t find(std::string_view name) const;
  std::string_view name(uint32_t id) const;
  bool used(uint32_t id) const { return slots_[id].state.load(std::memory_order_acquire) == 2; }
  // Calls f(id) for every published name, in the order they were interned: what a periodic
  // reader visits instead of all kCapacity slots (a sweep touches 64 KiB of the cache).
  template <class F>
  void for_each(F&& f) const {
    const uint32_t n = count_.load(std::memory_order_acquire);
    for (uint32_t k = 0; k < n; ++k) {
      const uint32_t id = order_[k].load(std::memory_order_acquire);
      if (id != 0) f(id - 1);  // 0: a name claimed a place here and is being published
    }
  }

 private:
  struct Slot {
    std::atomic<uint32_t> state{0};  // 0 empty, 1 being written, 2 published
    uint32_t hash = 0;
    uint8_t len = 0;
    char name[kMaxName + 1] = {};
  };
  Slot slots_[kCapacity];
  std::atomic<uint16_t> order_[kCapacity] = {};  // id + 1 of each published name, in order
  std::atomic<uint32_t> count_{0};
};

uint32_t hash_name(std::string_view s);

}  // namespace qg::tracker
