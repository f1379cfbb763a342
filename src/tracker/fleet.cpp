#include "fleet.h"

#include <hiredis/hiredis.h>
#include <poll.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <chrono>
#include <random>

#include "fleet_schema.h"
#include "redis_cluster.h"
#include "window.h"

namespace qg::tracker {

namespace {

// An alert claimed by this process, kept on the fleet's list with its fleet id (fleet_schema.h):
// the id is taken and the alert pushed in one script, so the list is in id order whatever the
// number of hosts; then the id is announced on <ns>:events. KEYS: the list, the id counter, the
// channel; ARGV: the alert's JSON, the last index kept, the announcement without the id.
constexpr const char* kAlertScript = R"lua(
local id = redis.call('INCR', KEYS[2])
redis.call('LPUSH', KEYS[1], '{"fleet_id":' .. id .. ',' .. string.sub(ARGV[1], 2))
redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[2]))
redis.call('PUBLISH', KEYS[3], ARGV[3] .. id)
return id
)lua";

// Applies one batch exactly once: the batch id is remembered for a day, so a push retried after
// a lost reply (Redis killed between applying and answering) finds it and adds nothing.
// KEYS[1]: the batch id key; KEYS[2..n+1]: the period keys; KEYS[n+2..]: the usage buckets.
// ARGV[1]: n; then per period key: requests, tokens, micro-usd, server errors, ttl; then per
// usage bucket: ttl, field count, field, amount, field, amount...
constexpr const char* kPushScript = R"lua(
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', 86400) then
  redis.call('EXPIRE', KEYS[1], 86400)  -- a write all the same: a WAIT after it covers the batch
  return 0
end
local n = tonumber(ARGV[1])
local a = 2
for i = 2, n + 1 do
  redis.call('HINCRBY', KEYS[i], 'r', ARGV[a])
  redis.call('HINCRBY', KEYS[i], 't', ARGV[a + 1])
  redis.call('HINCRBY', KEYS[i], 'u', ARGV[a + 2])
  redis.call('HINCRBY', KEYS[i], 'e', ARGV[a + 3])
  redis.call('EXPIRE', KEYS[i], ARGV[a + 4])
  a = a + 5
end
for i = n + 2, #KEYS do
  local ttl, m = ARGV[a], tonumber(ARGV[a + 1])
  a = a + 2
  for j = 1, m do
    redis.call('HINCRBY', KEYS[i], ARGV[a], ARGV[a + 1])
    a = a + 2
  end
  redis.call('EXPIRE', KEYS[i], ttl)
end
return 1
)lua";

constexpr int64_t kTtl[kPeriods] = {180, 3 * 86400, 63 * 86400};  // seconds a period's key outlives it

}  // namespace

Fleet::Fleet(RedisUrl url, std::string ns, int sync_ms, std::string spool, std::function<int64_t()> now_ms, Hooks hooks)
    // A cluster: every key of the fleet in its hash tag's slot, and the fleet on that slot's master.
    : url_(on_fleet_slot(std::move(url), ns)), ns_(fleet_key_prefix(url_, ns)), spool_(std::move(spool)), sync_ms_(sync_ms),
      now_ms_(std::move(now_ms)), hooks_(std::move(hooks)) {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  std::random_device rd;
  instance_ = std::string(host) + ":" + std::to_string(::getpid()) + ":" + std::to_string(rd());
  pending_ = std::make_unique<std::atomic<uint64_t>[]>(kEntities * kSharedAmounts);
  unacked_ = std::make_unique<std::atomic<uint64_t>[]>(kEntities * kSharedAmounts);
  total_ = std::make_unique<std::atomic<uint64_t>[]>(kEntities * kPeriods * kSharedAmounts);
  total_index_ = std::make_unique<std::atomic<int64_t>[]>(kEntities * kPeriods);
  touched_ = std::make_unique<std::atomic<bool>[]>(kEntities);
  touched_[0].store(true);
}

void Fleet::start() {
  thread_ = std::thread([this] { run(); });
  subscriber_ = std::thread([this] { run_subscriber(); });
}

Fleet::~Fleet() {
  stop();
  if (claim_ctx_) redis_free(claim_ctx_);  // claims made after stop() (the dispatcher's last alerts)
}

void Fleet::add(std::size_t e, const double (&amount)[kSharedAmounts]) {
  for (int w = 0; w < kSharedAmounts; ++w)
    if (const uint64_t u = shared_units(w, amount[w])) pending_[e * kSharedAmounts + w].fetch_add(u, std::memory_order_relaxed);
  if (!touched_[e].load(std::memory_order_relaxed)) touched_[e].store(true, std::memory_order_relaxed);
}

double Fleet::used(std::size_t e, int p, int w, int64_t now) const {
  uint64_t u = pending_[e * kSharedAmounts + w].load(std::memory_order_relaxed) +
               unacked_[e * kSharedAmounts + w].load(std::memory_order_relaxed);
  if (total_index_[e * kPeriods + p].load(std::memory_order_acquire) == period_index_fast(p, now))
    u += total_[(e * kPeriods + p) * kSharedAmounts + w].load(std::memory_order_relaxed);
  return shared_from_units(w, u);
}

void Fleet::used_all(std::size_t e, int64_t now, double (&out)[kPeriods][kSharedAmounts]) const {
  for (int p = 0; p < kPeriods; ++p) {
    const bool current = total_index_[e * kPeriods + p].load(std::memory_order_acquire) == period_index_fast(p, now);
    for (int w = 0; w < kSharedAmounts; ++w) {
      uint64_t u = pending_[e * kSharedAmounts + w].load(std::memory_order_relaxed) +
                   unacked_[e * kSharedAmounts + w].load(std::memory_order_relaxed);
      if (current) u += total_[(e * kPeriods + p) * kSharedAmounts + w].load(std::memory_order_relaxed);
      out[p][w] = shared_from_units(w, u);
    }
  }
}

void Fleet::add_usage(int64_t minute, const std::vector<std::pair<std::string, int64_t>>& fields) {
  if (fields.empty()) return;
  {
    std::lock_guard lock(usage_mu_);
    auto& m = usage_in_[minute];
    for (const auto& [field, amount] : fields)
      if (amount) m[field] += amount;
  }
}

void Fleet::broadcast(std::string event, std::string keep_key) {
  {
    std::lock_guard lock(events_mu_);
    events_.emplace_back(std::move(event), std::move(keep_key));
  }
  wake_.notify_one();
}

bool Fleet::connect(redisContext*& c, std::string& why, std::string* master) {
  if (c && !c->err) return true;
  redis_free(c);
  c = redis_connect(url_, why, master);
  return c != nullptr;
}

// Sentinels (or a cluster), once a second: a master they no longer name (a failover: the old one
// stays a master for a while, taking writes its demotion will discard) is left at once, by every
// thread. A cluster's MOVED says it sooner (moved_, run()).
bool Fleet::check_master() {
  const auto now = std::chrono::steady_clock::now();
  if (!redis_follows_master(url_) || !ctx_ || now - master_checked_ < std::chrono::seconds(1)) return false;
  master_checked_ = now;
  std::string named, why;
  if (!redis_master_now(url_, named, why, &sentinel_first_) || named == master_) return false;  // none answers: the master decides
  redis_free(ctx_);
  ctx_ = nullptr;
  unconfirmed_pushed_ = false;
  master_epoch_.fetch_add(1, std::memory_order_acq_rel);
  return true;
}

// Moves the pending atomics into a batch: first out of pending, then into unacked, so a
// concurrent reader sees a call at most once (for an instant, not at all).
void Fleet::collect() {
  Batch b;
  const int64_t now = now_ms_();
  for (int p = 0; p < kPeriods; ++p) b.period_index[p] = Windows::period_index(p, now);
  for (std::size_t e = 0; e < kEntities; ++e) {
    if (!touched_[e].load(std::memory_order_relaxed)) continue;
    std::array<uint64_t, kSharedAmounts> row{};
    bool any = false;
    for (int w = 0; w < kSharedAmounts; ++w) {
      row[w] = pending_[e * kSharedAmounts + w].exchange(0, std::memory_order_relaxed);
      any |= row[w] != 0;
    }
    if (!any) continue;
    for (int w = 0; w < kSharedAmounts; ++w) unacked_[e * kSharedAmounts + w].fetch_add(row[w], std::memory_order_relaxed);
    b.rows.push_back({e, hooks_.entity_name(e), row});
  }
  std::map<int64_t, std::map<std::string, int64_t>> usage;
  {
    std::lock_guard lock(usage_mu_);
    usage.swap(usage_in_);
  }
  for (auto& [minute, fields] : usage) {
    std::vector<std::pair<std::string, int64_t>> f(fields.begin(), fields.end());
    b.usage.push_back({fleet_schema::usage_minute_key(ns_, minute), fleet_schema::kUsageMinuteTtl, f});
    b.usage.push_back({fleet_schema::usage_hour_key(ns_, minute / 60), fleet_schema::kUsageHourTtl, std::move(f)});
  }
  if (b.rows.empty() && b.usage.empty()) return;
  b.id = instance_ + ":" + std::to_string(next_seq_++);
  outbox_.push_back(std::move(b));
}

Fleet::Pushed Fleet::push(const Batch& b, bool again) {
  std::vector<std::string> args = {"EVAL", kPushScript, "0", fleet_schema::batch_key(ns_, b.id)};
  std::vector<std::string> argv;
  for (const auto& row : b.rows)
    for (int p = 0; p < kPeriods; ++p) {
      args.push_back(fleet_schema::use_key(ns_, row.name, p, b.period_index[p]));
      for (int w = 0; w < kSharedAmounts; ++w) argv.push_back(std::to_string(row.amount[w]));
      argv.push_back(std::to_string(kTtl[p]));
    }
  const std::size_t counts = args.size() - 4;
  // The month's counted workspaces (fleet_schema::counted_key), in the same script and batch id:
  // built here from the rows, so a spooled batch (any spool format) adds them too.
  Batch::Usage counted{fleet_schema::counted_key(ns_, b.period_index[kMonth]), kTtl[kMonth], {}};
  for (const auto& row : b.rows)
    if (row.name != "*") counted.fields.emplace_back(row.name, 1);
  auto add_bucket = [&](const Batch::Usage& u) {
    args.push_back(u.key);
    argv.push_back(std::to_string(u.ttl));
    argv.push_back(std::to_string(u.fields.size()));
    for (const auto& [field, amount] : u.fields) {
      argv.push_back(field);
      argv.push_back(std::to_string(amount));
    }
  };
  for (const auto& u : b.usage) add_bucket(u);
  if (!counted.fields.empty()) add_bucket(counted);
  args[2] = std::to_string(args.size() - 3);
  args.push_back(std::to_string(counts));
  args.insert(args.end(), argv.begin(), argv.end());
  const bool wait = url_.wait_replicas > 0;
  if (wait) {  // the script and ROLE (the master's replicas) in one round trip
    std::vector<const char*> v;
    std::vector<std::size_t> lens;
    for (const auto& a : args) v.push_back(a.data()), lens.push_back(a.size());
    redisAppendCommandArgv(ctx_, static_cast<int>(args.size()), v.data(), lens.data());
    redisAppendCommand(ctx_, "ROLE");
  }
  void* raw = nullptr;
  RedisReply r = wait ? RedisReply(redisGetReply(ctx_, &raw) == REDIS_OK ? raw : nullptr) : redis_command(ctx_, args);
  raw = nullptr;
  RedisReply role(wait && r.r && redisGetReply(ctx_, &raw) == REDIS_OK ? raw : nullptr);
  auto acked = [&] {  // in the master's totals from now on
    for (const auto& row : b.rows)
      for (int w = 0; w < kSharedAmounts && row.entity < kEntities && !again; ++w)
        unacked_[row.entity * kSharedAmounts + w].fetch_sub(row.amount[w], std::memory_order_relaxed);
  };
  // A cluster's slot migrating: the batch on the node it goes to (ASKING, once), kept unconfirmed.
  if (RedisRedirect to; redirect_of(r.r, to) && to.ask) {
    if (RedisReply a = redis_ask(url_, to, args); !a.ok()) return fail_why_ = "ASK to " + to.host + ": no answer", Pushed::failed;
    acked();
    return Pushed::unconfirmed;
  }
  if (!r.ok() || (wait && !role.r)) {
    if (r.r) fail_why_ = std::string(r.r->str, r.r->len);  // READONLY: a demoted master; MOVED: a cluster's
    moved_ |= redis_moved(r.r);
    return Pushed::failed;
  }
  acked();
  if (!wait) return Pushed::confirmed;
  // Confirmed once replicas have it (WAIT: this connection's writes, and so all the master had
  // before them); a master without enough replicas is not waited on (docs/shared-state.md#sentinel).
  const redisReply* rr = role.r;
  const bool master = rr->type == REDIS_REPLY_ARRAY && rr->elements >= 3 && rr->element[0]->type == REDIS_REPLY_STRING &&
                      std::string(rr->element[0]->str, rr->element[0]->len) == "master";
  const std::size_t replicas = master && rr->element[2]->type == REDIS_REPLY_ARRAY ? rr->element[2]->elements : 0;
  if (replicas < static_cast<std::size_t>(url_.wait_replicas)) return Pushed::unconfirmed;
  RedisReply w = redis_command(ctx_, {"WAIT", std::to_string(url_.wait_replicas), "100"});
  if (!w.r) return Pushed::failed;
  return w.r->type == REDIS_REPLY_INTEGER && w.r->integer >= url_.wait_replicas ? Pushed::confirmed : Pushed::unconfirmed;
}

// The outcome of a push that is not a failure: an unconfirmed batch is kept (the newest
// kMaxUnconfirmed) to be pushed again on the next connection; a confirmation covers them all.
void Fleet::pushed(Pushed p, Batch&& b) {
  if (p == Pushed::confirmed) {
    unconfirmed_.clear();
    return;
  }
  unconfirmed_.push_back(std::move(b));
  if (unconfirmed_.size() > kMaxUnconfirmed) unconfirmed_.pop_front();
}

// The fleet's totals of every entity this process has used, in one pipelined round trip.
bool Fleet::refresh() {
  const int64_t now = now_ms_();
  std::vector<std::pair<std::size_t, int>> asked;
  for (std::size_t e = 0; e < kEntities; ++e) {
    if (!touched_[e].load(std::memory_order_relaxed)) continue;
    for (int p = 0; p < kPeriods; ++p) {
      const std::string k = fleet_schema::use_key(ns_, hooks_.entity_name(e), p, Windows::period_index(p, now));
      redisAppendCommand(ctx_, fleet_schema::kReadCounts, k.data(), k.size());
      asked.emplace_back(e, p);
    }
  }
  bool ok = true;
  std::vector<std::size_t> changed;
  for (auto [e, p] : asked) {
    void* raw = nullptr;
    if (redisGetReply(ctx_, &raw) != REDIS_OK) return false;
    RedisReply r(raw);
    if (!r.ok() || r.r->type != REDIS_REPLY_ARRAY || r.r->elements != kSharedAmounts) {
      ok = false;
      moved_ |= redis_moved(r.r);
      continue;
    }
    bool moved = false;
    for (int w = 0; w < kSharedAmounts; ++w) {
      const auto v = static_cast<uint64_t>(redis_int(r.r->element[w]));
      moved |= total_[(e * kPeriods + p) * kSharedAmounts + w].exchange(v, std::memory_order_relaxed) != v;
    }
    const int64_t idx = Windows::period_index(p, now);
    moved |= total_index_[e * kPeriods + p].exchange(idx, std::memory_order_release) != idx;
    if (moved && (changed.empty() || changed.back() != e)) changed.push_back(e);
  }
  for (std::size_t e : changed) hooks_.totals_changed(e);
  return ok;
}

bool Fleet::send_events() {
  std::vector<std::pair<std::string, std::string>> events;
  {
    std::lock_guard lock(events_mu_);
    events.swap(events_);
  }
  for (std::size_t i = 0; i < events.size(); ++i) {
    const auto& [event, keep] = events[i];
    bool ok = redis_command(ctx_, {"PUBLISH", fleet_schema::events_channel(ns_), fleet_schema::published(instance_, event)}).ok();
    if (ok && !keep.empty()) {
      RedisReply set = redis_command(ctx_, {"SET", fleet_schema::keep_key(ns_, keep), event, "EX", "86400"});
      ok = set.ok();
      moved_ |= redis_moved(set.r);
    }
    if (!ok) {  // back in front of what came since
      std::lock_guard lock(events_mu_);
      events_.insert(events_.begin(), events.begin() + static_cast<std::ptrdiff_t>(i), events.end());
      return false;
    }
  }
  return true;
}

void Fleet::set_up(bool up, const std::string& why) {
  const bool was = up_.exchange(up, std::memory_order_acq_rel);
  if (was == up && reported_.load()) return;
  reported_.store(true, std::memory_order_release);
  hooks_.health(up, why);
}

void Fleet::run() {
  auto last_try = std::chrono::steady_clock::now() - std::chrono::seconds(10);
  int moves = 0;  // rounds again at once after a MOVED
  for (;;) {
    const bool stopping = stopping_.load(std::memory_order_acquire);
    collect();
    std::string why;
    const auto now = std::chrono::steady_clock::now();
    // Reconnect at most every 200 ms while Redis is away (batches wait meanwhile).
    if (check_master()) last_try = now - std::chrono::seconds(1);  // the new master at once
    if ((!ctx_ || ctx_->err) && (stopping || now - last_try >= std::chrono::milliseconds(200))) {
      last_try = now;
      connect(ctx_, why, &master_);
    }
    // What was kept for later starters (an exhausted account or workspace), read again each time
    // the subscriber (re)subscribes: an event published before that is not missed.
    if (ctx_ && !ctx_->err && reread_kept_.exchange(false)) {
      RedisReply keys = redis_command(ctx_, {"KEYS", fleet_schema::keep_pattern(ns_)});
      if (keys.ok() && keys.r->type == REDIS_REPLY_ARRAY)
        for (std::size_t i = 0; i < keys.r->elements; ++i) {
          RedisReply v = redis_command(ctx_, {"GET", std::string(keys.r->element[i]->str, keys.r->element[i]->len)});
          if (v.ok() && v.r->type == REDIS_REPLY_STRING) hooks_.event(std::string(v.r->str, v.r->len));
        }
      if (!keys.ok()) reread_kept_.store(true);
    }
    bool ok = ctx_ && !ctx_->err;
    // Sentinels: the batches no replica confirmed, again on each new connection (a master that
    // failed over meanwhile has lost them; where they are, they add nothing), before the rest.
    if (ok && !unconfirmed_pushed_) {
      std::deque<Batch> again;
      again.swap(unconfirmed_);
      while (ok && !again.empty()) {
        const Pushed p = push(again.front(), true);
        ok = p != Pushed::failed;
        if (!ok) break;
        pushed(p, std::move(again.front()));
        again.pop_front();
      }
      for (Batch& b : again) unconfirmed_.push_back(std::move(b));
      unconfirmed_pushed_ = ok;
    }
    while (ok && !outbox_.empty()) {
      const Pushed p = push(outbox_.front());
      ok = p != Pushed::failed;
      if (ok) {
        pushed(p, std::move(outbox_.front()));
        outbox_.pop_front();
      }
    }
    if (ok && (stopping || now - spool_checked_ >= std::chrono::seconds(1))) {  // what stopped processes left
      spool_checked_ = now;
      push_spool();
      ok = ctx_ && !ctx_->err;
    }
    ok = ok && send_events() && refresh();
    // A cluster's MOVED (its slot failed over to a replica), or its connection lost (a demoted
    // master may close it): the slot's master at once, and the round again there, as a cluster
    // client does, not a Redis away (twice at most: a map still moving is, until it settles).
    const bool lost = !url_.cluster_nodes.empty() && ctx_ && ctx_->err;
    if (!ok && (std::exchange(moved_, false) || lost) && !stopping && ++moves < 3) {
      redis_free(ctx_);
      ctx_ = nullptr;
      unconfirmed_pushed_ = false;
      master_epoch_.fetch_add(1, std::memory_order_acq_rel);
      last_try = now - std::chrono::seconds(1);
      fail_why_.clear();
      continue;
    }
    moves = 0;
    if (!ok && why.empty()) why = !fail_why_.empty() ? fail_why_ : ctx_ && ctx_->err ? ctx_->errstr : "not connected";
    fail_why_.clear();
    if (!ok && ctx_) {
      redis_free(ctx_);
      ctx_ = nullptr;
    }
    if (!ctx_) unconfirmed_pushed_ = false;
    set_up(ok, why);
    if (stopping) {
      spool_outbox();  // Redis away at the very end: any process of the host pushes it later
      break;
    }
    std::unique_lock lock(wake_mu_);
    wake_.wait_for(lock, std::chrono::milliseconds(sync_ms_), [this] {
      std::lock_guard l(events_mu_);
      return !events_.empty() || stopping_.load();
    });
  }
  if (ctx_) redis_free(ctx_);
  ctx_ = nullptr;
}

// Pub/sub: events of the other processes, applied as they arrive. poll() so that stop() is
// prompt; a dropped connection is made again (what was missed meanwhile is in the kept keys).
void Fleet::run_subscriber() {
  redisContext* c = nullptr;
  uint64_t epoch = 0;
  while (!stopping_.load(std::memory_order_acquire)) {
    std::string why;
    if (c && epoch != master_epoch_.load(std::memory_order_acquire)) {  // another master (sentinels)
      redis_free(c);
      c = nullptr;
    }
    if (!c) {
      epoch = master_epoch_.load(std::memory_order_acquire);
      if (!connect(c, why)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        continue;
      }
      RedisReply r = redis_command(c, {"SUBSCRIBE", fleet_schema::events_channel(ns_)});
      if (!r.ok()) {
        redis_free(c);
        c = nullptr;
        continue;
      }
      reread_kept_.store(true);
      wake_.notify_one();
    }
    pollfd pfd{c->fd, POLLIN, 0};
    if (::poll(&pfd, 1, 100) <= 0) continue;
    if (redisBufferRead(c) != REDIS_OK) {
      redis_free(c);
      c = nullptr;
      continue;
    }
    void* raw = nullptr;
    while (redisGetReplyFromReader(c, &raw) == REDIS_OK && raw) {
      RedisReply r(raw);
      raw = nullptr;
      if (r.r->type != REDIS_REPLY_ARRAY || r.r->elements != 3) continue;
      std::string from, event;
      if (!fleet_schema::split_published(std::string(r.r->element[2]->str, r.r->element[2]->len), from, event) || from == instance_)
        continue;  // not an event, or our own
      hooks_.event(event);
    }
  }
  if (c) redis_free(c);
}

bool Fleet::claim(const std::string& event, int ttl_s, const std::string& record) {
  std::lock_guard lock(claim_mu_);
  std::string why;
  // Only a Redis known to be away is skipped: alerts raised while the sync thread makes its first
  // connection (a later starter applying what was kept) are claimed like any other.
  const bool known_down = reported_.load(std::memory_order_acquire) && !up();
  if (const uint64_t epoch = master_epoch_.load(std::memory_order_acquire); epoch != claim_epoch_) {
    claim_epoch_ = epoch;  // another master (sentinels)
    redis_free(claim_ctx_);
    claim_ctx_ = nullptr;
  }
  if (known_down || !connect(claim_ctx_, why)) return true;
  RedisReply r = redis_command(claim_ctx_, {"SET", fleet_schema::alert_key(ns_, event), "1", "NX", "EX", std::to_string(ttl_s)});
  if (!r.r || r.r->type == REDIS_REPLY_ERROR) {  // the connection failed, or no master there (MOVED, READONLY): deliver
    redis_free(claim_ctx_);
    claim_ctx_ = nullptr;
    return true;
  }
  const bool ours = r.r->type == REDIS_REPLY_STATUS;  // OK: ours; nil: claimed by another process
  if (ours && !record.empty() && record.front() == '{') {  // the fleet's alert list (best effort: the alert is delivered anyway)
    std::string announce = fleet_schema::published(instance_, fleet_schema::alert_event(0));
    announce.pop_back();  // the script appends the id it takes
    redis_command(claim_ctx_, {"EVAL", kAlertScript, "3", fleet_schema::alerts_key(ns_), fleet_schema::alerts_seq_key(ns_),
                               fleet_schema::events_channel(ns_), record, std::to_string(fleet_schema::kAlertsKept - 1), announce});
  }
  return ours;
}

void Fleet::stop() {
  if (stopping_.exchange(true)) return;
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
  if (subscriber_.joinable()) subscriber_.join();
  std::lock_guard lock(claim_mu_);
  if (claim_ctx_) redis_free(claim_ctx_);
  claim_ctx_ = nullptr;
}

}  // namespace qg::tracker
