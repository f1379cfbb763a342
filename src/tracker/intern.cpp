#include "intern.h"

#include <cstring>

#include "utf8.h"

namespace qg::tracker {

uint32_t hash_name(std::string_view s) {
  uint32_t h = 2166136261u;  // FNV-1a: names are short, this is cheap and good enough
  for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 16777619u;
  return h;
}

InternTable::InternTable() {
  Slot& o = slots_[kOverflow];
  std::memcpy(o.name, "(other)", 7);
  o.len = 7;
  o.hash = hash_name("(other)");
  o.state.store(2, std::memory_order_release);
  order_[0].store(kOverflow + 1, std::memory_order_release);
  count_.store(1, std::memory_order_release);
}

namespace {
// The stored form of a name: valid UTF-8 of at most kMaxName bytes (see utf8.h). ASCII names
// that fit, nearly all of them, are used as they are.
std::string_view canonical(std::string_view name, char (&buf)[InternTable::kMaxName + 1]) {
  if (name.size() <= InternTable::kMaxName && is_ascii(name)) return name;
  return {buf, utf8_copy(name, buf, sizeof buf)};
}
}  // namespace

uint32_t InternTable::intern(std::string_view raw) {
  char buf[kMaxName + 1];
  const std::string_view name = canonical(raw, buf);
  uint32_t h = hash_name(name);
  for (uint32_t probe = 0; probe < kCapacity; ++probe) {
    uint32_t i = (h + probe) & (kCapacity - 1);
    Slot& s = slots_[i];
    uint32_t st = s.state.load(std::memory_order_acquire);
    if (st == 0) {
      uint32_t expected = 0;
      if (s.state.compare_exchange_strong(expected, 1, std::memory_order_acq_rel)) {
        if (!name.empty()) std::memcpy(s.name, name.data(), name.size());
        s.len = static_cast<uint8_t>(name.size());
        s.hash = h;
        s.state.store(2, std::memory_order_release);
        // Each slot is claimed once, so at most kCapacity places are ever taken.
        order_[count_.fetch_add(1, std::memory_order_acq_rel)].store(static_cast<uint16_t>(i + 1),
                                                                      std::memory_order_release);
        return i;
      }
      st = expected;
    }
    while (st == 1) st = s.state.load(std::memory_order_acquire);  // publication is imminent
    if (s.hash == h && std::string_view(s.name, s.len) == name) return i;
  }
  return kOverflow;
}

uint32_t InternTable::find(std::string_view raw) const {
  char buf[kMaxName + 1];
  const std::string_view name = canonical(raw, buf);
  uint32_t h = hash_name(name);
  for (uint32_t probe = 0; probe < kCapacity; ++probe) {
    const Slot& s = slots_[(h + probe) & (kCapacity - 1)];
    uint32_t st = s.state.load(std::memory_order_acquire);
    if (st == 0) return kNotFound;
    if (st == 2 && s.hash == h && std::string_view(s.name, s.len) == name)
      return (h + probe) & (kCapacity - 1);
  }
  return kNotFound;
}

std::string_view InternTable::name(uint32_t id) const {
  const Slot& s = slots_[id & (kCapacity - 1)];
  if (s.state.load(std::memory_order_acquire) != 2) return {};
  return {s.name, s.len};
}

}  // namespace qg::tracker
