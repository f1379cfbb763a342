#include "shared_state.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "window.h"

namespace qg::tracker {

namespace {

constexpr uint64_t kMagic = 0x3145544154534751ULL;  // "QGSTATE1" little-endian
// A counter packs the period it counts (20 low bits of its index: equality is all that is asked)
// with the amount (44 bits, saturating): one compare-and-swap adds and starts a new period.
constexpr int kValueBits = 44;
constexpr uint64_t kValueMask = (uint64_t{1} << kValueBits) - 1;
constexpr uint64_t kTagMask = (uint64_t{1} << (64 - kValueBits)) - 1;
constexpr int kClaims = 4096;
constexpr int kApiRing = 4;

// Text in atomic words: a reader racing a writer sees old or new words, never undefined bytes.
template <std::size_t Bytes>
struct Text {
  std::atomic<uint32_t> len{0};
  std::atomic<uint64_t> words[(Bytes + 7) / 8] = {};
  void store(std::string_view s) {
    const std::size_t n = std::min(s.size(), Bytes);
    for (std::size_t i = 0; i < (n + 7) / 8; ++i) {
      uint64_t w = 0;
      std::memcpy(&w, s.data() + i * 8, std::min<std::size_t>(8, n - i * 8));
      words[i].store(w, std::memory_order_relaxed);
    }
    len.store(static_cast<uint32_t>(n), std::memory_order_release);
  }
  std::string load() const {
    const std::size_t n = std::min<std::size_t>(len.load(std::memory_order_acquire), Bytes);
    std::string s(n, '\0');
    for (std::size_t i = 0; i < (n + 7) / 8; ++i) {
      const uint64_t w = words[i].load(std::memory_order_relaxed);
      std::memcpy(s.data() + i * 8, &w, std::min<std::size_t>(8, n - i * 8));
    }
    return s;
  }
};

struct ApiEntry {
  std::atomic<uint64_t> begin{0}, end{0};  // the epoch written; equal and wanted: a whole entry
  std::atomic<uint8_t> status{0};
  std::atomic<int64_t> since_ms{0}, until_ms{0};
  Text<48> code;
  Text<320> message;
};

uint64_t name_key(std::string_view name) {
  uint64_t h = 1469598103934665603ULL;
  for (char ch : name) h = (h ^ static_cast<unsigned char>(ch)) * 1099511628211ULL;
  return h | 1;  // 0 marks a free slot
}

}  // namespace

int64_t period_index_fast(int period, int64_t now_ms) {
  if (period != kMonth) return Windows::period_index(period, now_ms);
  thread_local int64_t day = -1, month = 0;
  if (now_ms / 86400000 != day) {
    day = now_ms / 86400000;
    month = Windows::period_index(kMonth, now_ms);
  }
  return month;
}

namespace {

uint64_t period_tag(int period, int64_t now_ms) {
  return static_cast<uint64_t>(period_index_fast(period, now_ms)) & kTagMask;
}

std::string errno_text() { return std::strerror(errno); }

}  // namespace

uint64_t shared_units(int what, double v) {
  if (!(v > 0)) return 0;
  const double u = what == kSharedMicroUsd ? std::llround(v * 1e6) : std::llround(v);
  return u >= static_cast<double>(kValueMask) ? kValueMask : static_cast<uint64_t>(u);
}
double shared_from_units(int what, uint64_t u) {
  return what == kSharedMicroUsd ? static_cast<double>(u) / 1e6 : static_cast<double>(u);
}

namespace {
uint64_t units(int what, double v) { return shared_units(what, v); }
double from_units(int what, uint64_t u) { return shared_from_units(what, u); }
}  // namespace

struct SharedSlot {
  std::atomic<uint64_t> key{0};            // name_key(name), claimed by one compare-and-swap
  Text<120> name;                          // for display (lookups compare keys)
  std::atomic<uint64_t> amount[kPeriods][kSharedAmounts] = {};
  std::atomic<uint8_t> counted{0};         // a call was ever added (listed by snapshot())
  std::atomic<uint8_t> budget{0};
  std::atomic<int8_t> budget_what{-1};
  std::atomic<int64_t> budget_since_ms{0};
  std::atomic<uint8_t> published{0};
  std::atomic<int64_t> published_since_ms{0};
  Text<64> reason;
  std::atomic<uint8_t> api_now{0};         // the latest status, exchanged by each change
  std::atomic<uint64_t> api_next{0}, api_latest{0};
  ApiEntry api_ring[kApiRing];
  std::atomic<int64_t> last_probe_ms{0};
};

struct SharedState::Segment {
  std::atomic<uint64_t> magic{0};          // stored last when the segment is made
  uint32_t version, slot_count;
  uint64_t size;
  int64_t created_ms;
  std::atomic<uint64_t> claims[kClaims];
  SharedSlot slots[kSlots];
};

static_assert(std::atomic<uint64_t>::is_always_lock_free && std::atomic<int64_t>::is_always_lock_free,
              "the shared segment needs address-free atomics");

namespace {
std::size_t segment_size() {
  const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  return (sizeof(SharedState::Segment) + page - 1) / page * page;
}

struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};
}  // namespace

std::unique_ptr<SharedState> SharedState::open(const std::string& path, const std::function<void(SharedState&)>& seed) {
  const std::string where = "shared state " + path + ": ";
  Fd f{::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644)};
  if (f.fd < 0) throw std::runtime_error(where + "cannot open: " + errno_text());
  // Held only while the segment is checked or made; the kernel releases it if we die.
  while (::flock(f.fd, LOCK_EX) != 0)
    if (errno != EINTR) throw std::runtime_error(where + "cannot lock: " + errno_text());
  struct stat st{};
  if (::fstat(f.fd, &st) != 0) throw std::runtime_error(where + errno_text());
  const std::size_t size = segment_size();
  uint64_t head[2] = {0, 0};
  const bool has_head = st.st_size >= static_cast<off_t>(sizeof head) && ::pread(f.fd, head, sizeof head, 0) == sizeof head;
  const bool made = has_head && head[0] == kMagic;
  if (made && (static_cast<uint32_t>(head[1]) != kVersion || static_cast<std::size_t>(st.st_size) != size))
    throw std::runtime_error(where + "made by another quotaguard version (layout " + std::to_string(static_cast<uint32_t>(head[1])) +
                             "); stop the processes using it and delete it");
  if (!made) {  // new, or a creator died before finishing: made again from nothing
    if (::ftruncate(f.fd, 0) != 0) throw std::runtime_error(where + "cannot size: " + errno_text());
    // Real blocks now: a full disk is an error here, never a SIGBUS on the recording path.
    if (int e = ::posix_fallocate(f.fd, 0, static_cast<off_t>(size)); e != 0)
      throw std::runtime_error(where + "cannot allocate " + std::to_string(size) + " bytes: " + std::strerror(e));
  }
  void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, f.fd, 0);
  if (p == MAP_FAILED) throw std::runtime_error(where + "cannot map: " + errno_text());
  std::unique_ptr<SharedState> s(new SharedState(path, static_cast<Segment*>(p), size, true));
  if (!made) {
    s->seg_->version = kVersion;
    s->seg_->slot_count = kSlots;
    s->seg_->size = size;
    s->seg_->created_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch()).count();
    if (seed) seed(*s);
    s->seg_->magic.store(kMagic, std::memory_order_release);
  }
  ::flock(f.fd, LOCK_UN);
  return s;
}

std::unique_ptr<SharedState> SharedState::open_read(const std::string& path) {
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0) {
    if (errno == ENOENT) return nullptr;
    throw std::runtime_error("shared state " + path + ": cannot open: " + errno_text());
  }
  struct stat st{};
  const std::size_t size = segment_size();
  if (::fstat(f.fd, &st) != 0 || static_cast<std::size_t>(st.st_size) != size)
    throw std::runtime_error("shared state " + path + ": not a quotaguard state of this version");
  void* p = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, f.fd, 0);
  if (p == MAP_FAILED) throw std::runtime_error("shared state " + path + ": cannot map: " + errno_text());
  std::unique_ptr<SharedState> s(new SharedState(path, static_cast<Segment*>(p), size, false));
  if (s->seg_->magic.load(std::memory_order_acquire) != kMagic || s->seg_->version != kVersion)
    throw std::runtime_error("shared state " + path + ": not a quotaguard state of this version");
  return s;
}

SharedState::~SharedState() { ::munmap(seg_, size_); }

int SharedState::find(std::string_view name) const {
  const uint64_t k = name_key(name);
  for (int i = 0; i < kSlots; ++i) {
    const int at = static_cast<int>((k + static_cast<uint64_t>(i)) % kSlots);
    const uint64_t have = seg_->slots[at].key.load(std::memory_order_acquire);
    if (have == k) return at;
    if (have == 0) return -1;
  }
  return -1;
}

int SharedState::slot(std::string_view name) {
  const uint64_t k = name_key(name);
  for (int i = 0; i < kSlots; ++i) {
    const int at = static_cast<int>((k + static_cast<uint64_t>(i)) % kSlots);
    SharedSlot& s = seg_->slots[at];
    uint64_t have = s.key.load(std::memory_order_acquire);
    if (have == 0 && s.key.compare_exchange_strong(have, k, std::memory_order_acq_rel)) have = k;
    if (have == k) {
      // Written by whoever claimed it, again by anyone who finds it unnamed (a claimer that died).
      if (s.name.len.load(std::memory_order_acquire) == 0) s.name.store(name);
      return at;
    }
  }
  return -1;
}

void SharedState::add(int slot, const double (&amount)[kSharedAmounts], int64_t now_ms, double (*after)[kSharedAmounts]) {
  add_periods(slot, 0, kPeriods, amount, now_ms, after);
}

void SharedState::add_to_period(int slot, int period, const double (&amount)[kSharedAmounts], int64_t now_ms) {
  add_periods(slot, period, period + 1, amount, now_ms, nullptr);
}

void SharedState::add_periods(int slot, int from, int to, const double (&amount)[kSharedAmounts], int64_t now_ms,
                              double (*after)[kSharedAmounts]) {
  SharedSlot& s = seg_->slots[slot];
  if (!s.counted.load(std::memory_order_relaxed)) s.counted.store(1, std::memory_order_relaxed);
  for (int p = from; p < to; ++p) {
    const uint64_t tag = period_tag(p, now_ms);
    for (int w = 0; w < kSharedAmounts; ++w) {
      const uint64_t add = units(w, amount[w]);
      std::atomic<uint64_t>& a = s.amount[p][w];
      uint64_t cur = a.load(std::memory_order_relaxed), value;
      for (;;) {
        value = (cur >> kValueBits) == tag ? cur & kValueMask : 0;
        if (add == 0 && (cur >> kValueBits) == tag) break;
        value = std::min(kValueMask, value + add);
        if (a.compare_exchange_weak(cur, (tag << kValueBits) | value, std::memory_order_relaxed)) break;
      }
      if (after) after[p][w] = from_units(w, value);
    }
  }
}

double SharedState::used(int slot, int period, int what, int64_t now_ms) const {
  const uint64_t cur = seg_->slots[slot].amount[period][what].load(std::memory_order_relaxed);
  return (cur >> kValueBits) == period_tag(period, now_ms) ? from_units(what, cur & kValueMask) : 0;
}

Status SharedState::budget(int slot) const {
  return static_cast<Status>(seg_->slots[slot].budget.load(std::memory_order_acquire));
}

bool SharedState::set_budget(int slot, Status expected, Status now, int64_t since_ms, int what_period) {
  SharedSlot& s = seg_->slots[slot];
  uint8_t e = static_cast<uint8_t>(expected);
  if (expected == now) return true;
  if (!s.budget.compare_exchange_strong(e, static_cast<uint8_t>(now), std::memory_order_acq_rel)) return false;
  s.budget_since_ms.store(since_ms, std::memory_order_relaxed);
  s.budget_what.store(static_cast<int8_t>(what_period), std::memory_order_relaxed);
  return true;
}

bool SharedState::exhaust_budget(int slot, int what_period, int64_t since_ms) {
  SharedSlot& s = seg_->slots[slot];
  // Details first: a process that sees "exhausted" also sees which limit.
  if (s.budget.load(std::memory_order_acquire) == static_cast<uint8_t>(Status::exhausted)) return false;
  s.budget_what.store(static_cast<int8_t>(what_period), std::memory_order_relaxed);
  s.budget_since_ms.store(since_ms, std::memory_order_relaxed);
  return s.budget.exchange(static_cast<uint8_t>(Status::exhausted), std::memory_order_acq_rel) !=
         static_cast<uint8_t>(Status::exhausted);
}

int64_t SharedState::budget_since_ms(int slot) const { return seg_->slots[slot].budget_since_ms.load(std::memory_order_relaxed); }
int SharedState::budget_what_period(int slot) const { return seg_->slots[slot].budget_what.load(std::memory_order_relaxed); }

uint64_t SharedState::publish_api(int slot, Status st, int64_t since_ms, int64_t until_ms, std::string_view code,
                                  std::string_view message, Status* previous) {
  SharedSlot& s = seg_->slots[slot];
  const auto prev = static_cast<Status>(s.api_now.exchange(static_cast<uint8_t>(st), std::memory_order_acq_rel));
  if (previous) *previous = prev;
  const uint64_t e = s.api_next.fetch_add(1, std::memory_order_relaxed) + 1;
  ApiEntry& en = s.api_ring[e % kApiRing];
  en.begin.store(e, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
  en.status.store(static_cast<uint8_t>(st), std::memory_order_relaxed);
  en.since_ms.store(since_ms, std::memory_order_relaxed);
  en.until_ms.store(until_ms, std::memory_order_relaxed);
  en.code.store(code);
  en.message.store(message);
  en.end.store(e, std::memory_order_release);
  uint64_t latest = s.api_latest.load(std::memory_order_relaxed);
  while (latest < e && !s.api_latest.compare_exchange_weak(latest, e, std::memory_order_acq_rel)) {
  }
  return e;
}

uint64_t SharedState::api_epoch(int slot) const { return seg_->slots[slot].api_latest.load(std::memory_order_acquire); }

bool SharedState::api(int slot, SharedApiStatus& out) const {
  const SharedSlot& s = seg_->slots[slot];
  for (int attempt = 0; attempt < 4; ++attempt) {
    const uint64_t e = s.api_latest.load(std::memory_order_acquire);
    if (e == 0) {
      out = {};
      return true;
    }
    const ApiEntry& en = s.api_ring[e % kApiRing];
    if (en.end.load(std::memory_order_acquire) != e) continue;  // overwritten by a later change
    SharedApiStatus r;
    r.epoch = e;
    r.status = static_cast<Status>(en.status.load(std::memory_order_relaxed));
    r.since_ms = en.since_ms.load(std::memory_order_relaxed);
    r.rate_limited_until_ms = en.until_ms.load(std::memory_order_relaxed);
    r.code = en.code.load();
    r.message = en.message.load();
    std::atomic_thread_fence(std::memory_order_acquire);
    if (en.begin.load(std::memory_order_relaxed) != e) continue;
    out = std::move(r);
    return true;
  }
  return false;  // a writer mid-way (or one that died there): read again later
}

std::atomic<int64_t>& SharedState::last_probe_ms(int slot) { return seg_->slots[slot].last_probe_ms; }

Status SharedState::published(int slot) const {
  return static_cast<Status>(seg_->slots[slot].published.load(std::memory_order_acquire));
}

bool SharedState::publish(int slot, Status expected, Status now, int64_t now_ms, std::string_view reason) {
  SharedSlot& s = seg_->slots[slot];
  uint8_t e = static_cast<uint8_t>(expected);
  if (!s.published.compare_exchange_strong(e, static_cast<uint8_t>(now), std::memory_order_acq_rel)) return false;
  s.published_since_ms.store(now_ms, std::memory_order_relaxed);
  s.reason.store(reason);
  return true;
}

bool SharedState::claim_once(std::string_view event) {
  const uint64_t k = name_key(event);
  for (int i = 0; i < 32; ++i) {
    std::atomic<uint64_t>& c = seg_->claims[(k + static_cast<uint64_t>(i)) % kClaims];
    uint64_t have = c.load(std::memory_order_acquire);
    if (have == k) return false;
    if (have == 0) {
      if (c.compare_exchange_strong(have, k, std::memory_order_acq_rel)) return true;
      if (have == k) return false;
    }
  }
  // The neighbourhood is full (old events): reuse its first entry; an alert twice beats none.
  seg_->claims[k % kClaims].store(k, std::memory_order_release);
  return true;
}

SharedSnapshot SharedState::snapshot(int64_t now_ms) const {
  static constexpr const char* kWhat[] = {"requests", "tokens", "usd"};
  SharedSnapshot snap;
  snap.taken_ms = now_ms;
  snap.created_ms = seg_->created_ms;
  snap.path = path_;
  for (int i = 0; i < kSlots; ++i) {
    const SharedSlot& s = seg_->slots[i];
    if (s.key.load(std::memory_order_acquire) == 0 || s.name.len.load(std::memory_order_acquire) == 0) continue;
    SharedEntity e;
    e.name = s.name.load();
    // Listed: everything, the accounts (named by the config), a workspace that made a call.
    if (e.name != "*" && e.name.rfind("account:", 0) != 0 && !s.counted.load()) continue;
    e.status = static_cast<Status>(s.published.load(std::memory_order_acquire));
    e.since_ms = s.published_since_ms.load(std::memory_order_relaxed);
    e.reason = s.reason.load();
    e.budget = static_cast<Status>(s.budget.load(std::memory_order_acquire));
    e.budget_since_ms = s.budget_since_ms.load(std::memory_order_relaxed);
    const int wp = s.budget_what.load(std::memory_order_relaxed);
    if (wp >= 0 && wp < 3 * kPeriods) e.budget_name = std::string(kWhat[wp / kPeriods]) + "_per_" + period_name(wp % kPeriods);
    api(i, e.api);
    for (int p = 0; p < kPeriods; ++p)
      for (int w = 0; w < kSharedAmounts; ++w) e.used[p][w] = used(i, p, w, now_ms);
    snap.entities.push_back(std::move(e));
  }
  std::sort(snap.entities.begin(), snap.entities.end(), [](const SharedEntity& a, const SharedEntity& b) {
    return (a.name != "*") != (b.name != "*") ? a.name == "*" : a.name < b.name;
  });
  return snap;
}

}  // namespace qg::tracker
