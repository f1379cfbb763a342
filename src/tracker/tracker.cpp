#include "tracker.h"

#include <cstring>
#include <stdexcept>

#include "extract.h"
#include "history.h"
#include "fleet.h"
#include "shared_state.h"
#include "thread_name.h"
#include "utf8.h"
#include "ws_state.h"

namespace qg::tracker {

namespace {
std::atomic<uint64_t> g_next_uid{1};

// Each thread caches its shard for the last tracker it recorded into; a thread that exits
// hands its shard back (under the registry lock) if that tracker is still alive.
// Leaked on purpose: a tracker held by a static elsewhere may be destroyed after these.
std::mutex& live_mu() {
  static auto* m = new std::mutex;
  return *m;
}
std::vector<uint64_t>& live_trackers() {
  static auto* v = new std::vector<uint64_t>;
  return *v;
}

struct ShardSlot {
  uint64_t uid = 0;
  Shard* shard = nullptr;
  ~ShardSlot() {
    if (!shard) return;
    std::lock_guard lock(live_mu());
    for (uint64_t u : live_trackers())
      if (u == uid) shard->in_use.store(false, std::memory_order_release);
  }
};
thread_local ShardSlot t_slot;

}  // namespace

Tracker::Tracker(Config cfg) : cfg_(std::move(cfg)), uid_(g_next_uid.fetch_add(1)) {
  if (!cfg_.clock) cfg_.clock = std::make_shared<SystemClock>();
  std::string err, text;
  if (cfg_.pricing_path.empty()) {
    text = std::string(embedded_pricing_toml());
  } else {
    std::FILE* f = std::fopen(cfg_.pricing_path.c_str(), "rb");
    if (!f) throw std::runtime_error("pricing: cannot open " + cfg_.pricing_path);
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
    std::fclose(f);
  }
  if (!pricing_.load(text, err))  // "pricing: line 3: ..." -> "pricing: prices.toml: line 3: ..."
    throw std::runtime_error(cfg_.pricing_path.empty() ? err : "pricing: " + cfg_.pricing_path + ": " + err.substr(9));
  states_ = std::make_unique<WsState[]>(InternTable::kCapacity);
  global_ = std::make_unique<WsState>();
  accounts_ = std::make_unique<ApiState[]>(kMaxAccounts);
  if (cfg_.accounts.size() >= kMaxAccounts) throw std::runtime_error("config: at most 7 failover accounts");
  seen_ = std::make_unique<std::atomic<uint64_t>[]>(1 << 14);
  price_cache_ = std::make_unique<std::atomic<uintptr_t>[]>(InternTable::kCapacity);
  windows_ = std::make_unique<Windows>(InternTable::kCapacity + 1, now_ms());
  workspaces_.intern("default");
  for (const auto& [name, lim] : cfg_.workspaces) workspaces_.intern(name);  // budgets ready before the first call
  dispatcher_ = std::make_unique<Dispatcher>(cfg_.alerts_jsonl, cfg_.alert_routes, cfg_.dead_letter,
                                             static_cast<std::size_t>(cfg_.alert_queue));
  if (!cfg_.db_path.empty()) {
    history_ = std::make_unique<History>(cfg_.db_path);  // throws on failure
    load_history();
    // Alerts reach the history from the dispatcher thread, never from a caller's.
    dispatcher_->add_callback([h = history_.get()](const Alert& a) { h->queue_alert(a); });
  }
  open_shared();  // after the history: a new segment starts from its day and month
  open_fleet();
  fast_check_.enabled = !shared_ && !fleet_ && !budgeted();  // (see check())
  evaluate();  // windows, budgets and their headroom as of now (with the history's day and month)
  {
    std::lock_guard lock(live_mu());
    live_trackers().push_back(uid_);
  }
  ticker_ = std::thread([this] {
    name_this_thread("qg-evaluate");
    run_ticker();
  });
  if (history_)
    flusher_ = std::thread([this] {
      name_this_thread("qg-flush");
      run_flusher();
    });
}

Tracker::~Tracker() {
  shutdown();
  std::lock_guard lock(live_mu());
  std::erase(live_trackers(), uid_);
  for (int i = 0; i < shard_count_.load(); ++i) delete shards_[i].load();
}

Shard& Tracker::local_shard() {
  if (t_slot.uid == uid_) [[likely]] return *t_slot.shard;
  std::lock_guard lock(shard_mu_);
  Shard* s = nullptr;
  int n = shard_count_.load(std::memory_order_relaxed);
  for (int i = 0; i < n && !s; ++i) {
    bool expected = false;
    if (shards_[i].load()->in_use.compare_exchange_strong(expected, true)) s = shards_[i].load();
  }
  if (!s) {
    if (n >= kMaxShards - 1) {
      // Beyond capacity, threads share the last shard, which uses atomic read-modify-writes
      // (exact, just slower); it is never owned exclusively even if marked free later.
      if (n == kMaxShards - 1) {
        Shard* shared = new Shard();
        shared->shared = true;
        shared->in_use.store(true);
        shards_[n].store(shared, std::memory_order_release);
        shard_count_.store(n + 1, std::memory_order_release);
      }
      t_slot.uid = uid_;
      t_slot.shard = shards_[kMaxShards - 1].load();
      return *t_slot.shard;
    }
    s = new Shard();
    s->in_use.store(true);
    shards_[n].store(s, std::memory_order_release);
    shard_count_.store(n + 1, std::memory_order_release);
  }
  if (t_slot.shard && t_slot.uid != uid_) {  // leaving another tracker's shard
    std::lock_guard live(live_mu());
    for (uint64_t u : live_trackers())
      if (u == t_slot.uid) t_slot.shard->in_use.store(false, std::memory_order_release);
  }
  t_slot.uid = uid_;
  t_slot.shard = s;
  return *s;
}

Tracker::WsState& Tracker::state(uint32_t ws) { return states_[ws & (InternTable::kCapacity - 1)]; }

namespace {
// Direct-mapped, per thread: the key is "METHOD url", the value the classification.
struct EndpointCacheEntry {
  uint64_t uid = 0;
  uint32_t hash = 0, id = 0;
  uint16_t key_len = 0, deployment_at = 0;
  char key[150];
  Endpoint ep;
};
thread_local EndpointCacheEntry t_endpoint_cache[64];
}  // namespace

Endpoint Tracker::endpoint(std::string_view method, std::string_view url, uint32_t* id) {
  const std::size_t len = method.size() + 1 + url.size();
  if (len > sizeof(EndpointCacheEntry::key)) {
    Endpoint e = classify(method, url);
    *id = endpoints_.intern(e.name());
    return e;
  }
  uint32_t h = 2166136261u;
  for (char c : method) h = (h ^ static_cast<unsigned char>(c)) * 16777619u;
  for (char c : url) h = (h ^ static_cast<unsigned char>(c)) * 16777619u;
  EndpointCacheEntry& c = t_endpoint_cache[(h ^ (h >> 16)) & 63];
  if (c.uid == uid_ && c.hash == h && c.key_len == len &&
      std::memcmp(c.key, method.data(), method.size()) == 0 &&
      std::memcmp(c.key + method.size() + 1, url.data(), url.size()) == 0) {
    *id = c.id;
    Endpoint e = c.ep;
    if (!e.deployment.empty()) e.deployment = url.substr(c.deployment_at, e.deployment.size());
    return e;
  }
  Endpoint e = classify(method, url);
  *id = endpoints_.intern(e.name());
  c.uid = uid_;
  c.hash = h;
  c.id = *id;
  c.key_len = static_cast<uint16_t>(len);
  if (!method.empty()) std::memcpy(c.key, method.data(), method.size());
  c.key[method.size()] = ' ';
  if (!url.empty()) std::memcpy(c.key + method.size() + 1, url.data(), url.size());
  c.ep = e;
  c.deployment_at = e.deployment.empty() ? 0 : static_cast<uint16_t>(e.deployment.data() - url.data());
  return e;
}

uint32_t Tracker::endpoint_id(std::string_view method, std::string_view url) {
  uint32_t id;
  endpoint(method, url, &id);
  return id;
}

void Tracker::record(const Call& c) {
  uint32_t ws = workspace_id(c.workspace);
  uint32_t ep = endpoint_id(c.method, c.path);
  record_ids(ws, ep, model_id(c.model), c);
}

void Tracker::record_ids(uint32_t ws, uint32_t ep, uint32_t model, const Call& c) {
  const bool blocked = c.flags & kFlagBlocked;
  const bool error = !blocked && (c.http_status >= 400 || c.http_status == 0);
  uint64_t d[kCounterCount] = {};
  d[kCalls] = c.retry_count == 0 ? 1 : 0;
  d[kRequests] = blocked ? 0 : 1;
  d[kErrors] = error;
  d[kBlocked] = blocked;
  d[kEstimated] = (c.flags & kFlagEstimated) ? 1 : 0;
  d[kAnomalies] = (c.flags & kFlagAnomaly) ? 1 : 0;
  d[kServerErrors] = !blocked && (c.http_status >= 500 || c.http_status == 0);
  if (!blocked && (c.http_status == 429 || is_quota_error(c.error_type, c.error_code))) {
    if (is_quota_error(c.error_type, c.error_code)) d[kQuotaErrors] = 1;
    else d[kRateLimited] = 1;
  }
  d[kInput] = c.input_tokens;
  d[kCached] = c.cached_tokens;
  d[kOutput] = c.output_tokens;
  d[kReasoning] = c.reasoning_tokens;
  d[kImages] = c.images;
  d[kAudioMs] = c.audio_ms;
  d[kCharacters] = c.characters;
  d[kRequestBytes] = c.request_bytes;
  d[kResponseBytes] = c.response_bytes;
  d[kLatencyNs] = c.latency_ns;
  const bool ledgered = cfg_.ledger && history_;
  LedgerEntry e;
  if (ledgered) {
    e.ts_ms = c.ts_ms ? c.ts_ms : now_ms();  // (one recorded soon keeps the time it was handed over)
    e.workspace = static_cast<uint16_t>(ws);
    e.endpoint = static_cast<uint16_t>(ep);
    e.model = static_cast<uint16_t>(model);
    e.http_status = static_cast<int16_t>(c.http_status);
    e.retry = static_cast<uint8_t>(c.retry_count > 255 ? 255 : c.retry_count);
    e.flags = static_cast<uint8_t>(c.flags);
    e.api_key = c.api_key_label.empty() ? kNoKey : static_cast<uint16_t>(key_labels_.intern(c.api_key_label));
    utf8_copy(!c.error_code.empty() ? c.error_code : c.error_type, e.error_code, sizeof e.error_code);
    e.input = c.input_tokens;
    e.cached = c.cached_tokens;
    e.output = c.output_tokens;
    e.reasoning = c.reasoning_tokens;
    e.images = c.images;
    e.audio_ms = c.audio_ms;
    e.characters = c.characters;
    e.request_bytes = c.request_bytes;
    e.response_bytes = c.response_bytes;
    e.latency_ns = c.latency_ns;
  }
  Shard& shard = local_shard();
  shard.begin_record();
  shard.add(cell_key(ws, ep, model), d);
  if (ledgered) shard.push_ledger(e);
  shard.end_record();
  WsState& st = state(ws);
  if (!st.active.load(std::memory_order_relaxed)) st.active.store(true, std::memory_order_relaxed);
  if (shared_ || fleet_) charge_shared(ws, model, c);
  else if (!blocked) charge_budgets(ws, model, c);

  // Budget alerts must leave within milliseconds: flag the evaluation thread, and wake it if it
  // sleeps (once per quiet spell). Read first so the cache line stays shared between recording
  // threads until the evaluator clears it.
  if (!dirty_.load(std::memory_order_relaxed)) {
    dirty_.store(true, std::memory_order_seq_cst);
    idle_.wake();
  }
  if (!blocked) on_api_signal(ws, c);
}

void Tracker::publish(std::size_t e, int64_t now, const char* reason, bool derived) {
  WsState& s = e == 0 ? *global_ : states_[(e - 1) & (InternTable::kCapacity - 1)];
  const std::string_view name = e == 0 ? std::string_view("*") : workspaces_.name(static_cast<uint32_t>(e - 1));
  Status now_status, prev;
  std::string why;
  {
    // Evaluate and swap together: otherwise the evaluation thread could announce a stale
    // status computed just before a caller's flip, and the alerts would flap.
    std::lock_guard lock(s.publish_mu);
    const int slot = entity_slot(e);
    // Shared: what the host announced is read before what the others said is taken in, so a
    // process whose view is older than the announcement cannot undo it; the one that moves the
    // host's status announces (one alert per host).
    if (slot >= 0) {
      prev = shared_->published(slot);
      sync_api_all();
    }
    auto evaluate = [&] { return e == 0 ? status({}) : effective_for(static_cast<uint32_t>(e - 1), now); };
    now_status = evaluate();
    // Derived (the evaluation thread): it can see a caller's exhaustion before the caller
    // announces it, so the reason is read from the API state -- which a caller may move in the
    // meantime (reset(), a success) without this lock. Announce a status and a reason read
    // together; a state still moving is announced by its mover or the next evaluation.
    for (int tries = 0; derived && (now_status == Status::exhausted || now_status == Status::rate_limited); ++tries) {
      why = api_cause(e, now_status, now);
      const Status again = evaluate();
      if (again == now_status) break;
      if (tries == 8) return;
      now_status = again;
      why.clear();
    }
    const Status mine = static_cast<Status>(s.published.exchange(static_cast<uint8_t>(now_status)));
    if (slot < 0) prev = mine;
    if (prev == now_status) return;
    if (why.empty()) why = reason;
    if (slot >= 0 && !shared_->publish(slot, prev, now_status, now, why)) return;
    s.since_ms.store(now, std::memory_order_relaxed);
  }
  char msg[200];
  std::snprintf(msg, sizeof msg, "status %s -> %s (%s)", status_name(prev), status_name(now_status), why.c_str());
  emit("status", name, now_status, prev, why, msg);
}

void Tracker::publish_all(uint32_t ws, int64_t now, const char* reason) {
  publish(ws + 1, now, reason);
  publish(0, now, reason);
}

void Tracker::emit(std::string_view kind, std::string_view ws, Status st, Status prev,
                   std::string_view code, std::string_view message) {
  Alert a;
  a.ts_ms = now_ms();
  a.mono_ns = steady_ns();
  a.status = st;
  a.previous = prev;
  a.set_kind(kind);
  a.set_workspace(ws);
  a.set_code(code);
  a.set_message(message);
  dispatcher_->emit(a);
}

// Object ids whose usage was counted. Action: 0 test-and-mark, 1 mark, 2 forget.
bool Tracker::seen_before(std::string_view id, int action) {
  uint64_t h = 1469598103934665603ULL;
  for (char ch : id) h = (h ^ static_cast<unsigned char>(ch)) * 1099511628211ULL;
  h |= 1;
  auto& slot = seen_[h & ((1 << 14) - 1)];
  if (action == 2) {
    uint64_t expected = h;
    slot.compare_exchange_strong(expected, 0, std::memory_order_relaxed);
    return false;
  }
  uint64_t old = slot.exchange(h, std::memory_order_relaxed);
  return action == 0 && old == h;
}

uint64_t Tracker::ledger_dropped() const {
  uint64_t n = flush_dropped_.load();
  for (int i = 0; i < shard_count_.load(); ++i) n += shards_[i].load()->ledger_dropped();
  return n;
}

}  // namespace qg::tracker
